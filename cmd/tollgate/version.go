package main

import (
	"fmt"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// newVersionCmd prints what this binary was built from, as the Go
// toolchain recorded it: the module version (a tag, or a pseudo-version),
// the commit and its time, whether the tree had changes, and the Go
// version. Nothing is stamped in by hand, so it cannot drift.
func newVersionCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and Go version this binary was built from",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			bi, ok := debug.ReadBuildInfo()
			if !ok {
				return fmt.Errorf("version: the binary carries no build information")
			}
			fmt.Fprintln(cmd.OutOrStdout(), versionText(bi))
			return nil
		},
	}
}

// versionText renders bi: "tollgate VERSION (commit REV, TIME[, modified]) GOVERSION".
func versionText(bi *debug.BuildInfo) string {
	settings := map[string]string{}
	for _, s := range bi.Settings {
		settings[s.Key] = s.Value
	}
	version := bi.Main.Version
	if version == "" {
		version = "(devel)"
	}
	out := "tollgate " + version
	if rev := settings["vcs.revision"]; rev != "" {
		out += " (commit " + rev
		if t := settings["vcs.time"]; t != "" {
			out += ", " + t
		}
		if settings["vcs.modified"] == "true" {
			out += ", modified"
		}
		out += ")"
	}
	return out + " " + bi.GoVersion
}
