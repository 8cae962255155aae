package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/adminclient"
	"github.com/tollgate-dev/tollgate/internal/configfile"
)

// Configuration as code: export, apply and diff (README "Configuration
// as code"). The server applies each tenant's document in one
// transaction; these commands read and write the YAML.

func newExportCmd() *cobra.Command {
	cmd, f := newAdminCmd("export", "Print the tenant's configuration (or every tenant's) as YAML, secrets left out")
	var all bool
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error {
		c, err := f.client()
		if err != nil {
			return err
		}
		tenants := []string{f.tenant}
		if all {
			if tenants, err = tenantIDs(cmd.Context(), c); err != nil {
				return err
			}
		}
		for i, t := range tenants {
			doc, err := c.ExportConfig(cmd.Context(), t)
			if err != nil {
				return fmt.Errorf("tenant %s: %w", t, err)
			}
			y, err := configfile.ToYAML(doc)
			if err != nil {
				return err
			}
			if i > 0 {
				fmt.Fprintln(cmd.OutOrStdout(), "---")
			}
			if _, err := cmd.OutOrStdout().Write(y); err != nil {
				return err
			}
		}
		return nil
	}
	cmd.Flags().BoolVar(&all, "all", false, "every tenant, one YAML document each (the bootstrap token's view)")
	return cmd
}

func tenantIDs(ctx context.Context, c *adminclient.Client) ([]string, error) {
	ts, err := c.List(ctx, adminclient.Tenants, 0)
	if err != nil {
		return nil, err
	}
	ids := make([]string, len(ts))
	for i, t := range ts {
		ids[i] = t.ID
	}
	return ids, nil
}

// applyFlags are apply's and diff's.
type applyFlags struct {
	file  string
	prune bool
}

func newApplyCmd() *cobra.Command {
	cmd, f := newAdminCmd("apply", "Make the tenants of a configuration file match it, one transaction per tenant")
	var af applyFlags
	var dryRun bool
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return runApply(cmd, f, af, dryRun) }
	registerApplyFlags(cmd, &af)
	cmd.Flags().BoolVar(&dryRun, "dry-run", false, "check the file and say what would change, changing nothing")
	return cmd
}

func newDiffCmd() *cobra.Command {
	cmd, f := newAdminCmd("diff", "Say what applying a configuration file would change (apply --dry-run)")
	var af applyFlags
	cmd.Args = cobra.NoArgs
	cmd.RunE = func(cmd *cobra.Command, _ []string) error { return runApply(cmd, f, af, true) }
	registerApplyFlags(cmd, &af)
	return cmd
}

func registerApplyFlags(cmd *cobra.Command, af *applyFlags) {
	cmd.Flags().StringVarP(&af.file, "file", "f", "", "the configuration file, YAML or JSON (- reads stdin)")
	cmd.Flags().BoolVar(&af.prune, "prune", false, "also delete what a collection the file lists no longer names")
	_ = cmd.MarkFlagRequired("file")
}

// runApply applies (or, dry, checks) each document of the file, and
// prints each tenant's changes and the secrets made for what it created,
// shown this once.
func runApply(cmd *cobra.Command, f *adminFlags, af applyFlags, dry bool) error {
	c, err := f.client()
	if err != nil {
		return err
	}
	docs, err := loadConfig(af.file, cmd.InOrStdin())
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	for _, d := range docs {
		res, err := c.ApplyConfig(cmd.Context(), d.Tenant, d.JSON, af.prune, dry)
		if err != nil {
			return fmt.Errorf("%s: tenant %s: %w", af.file, d.Tenant, describePointer(err))
		}
		verb := map[bool]string{true: "would change", false: "changed"}[dry]
		if len(res.Changes) == 0 {
			fmt.Fprintf(out, "tenant %s: up to date\n", d.Tenant)
		} else {
			fmt.Fprintf(out, "tenant %s: %s %d:\n", d.Tenant, verb, len(res.Changes))
		}
		for _, ch := range res.Changes {
			line := fmt.Sprintf("  %-6s %s %s", ch.Op, ch.Kind, ch.ID)
			if len(ch.Attributes) > 0 {
				line += " (" + strings.Join(ch.Attributes, ", ") + ")"
			}
			fmt.Fprintln(out, line)
		}
		for _, s := range res.Secrets {
			if dry {
				continue
			}
			fmt.Fprintf(cmd.ErrOrStderr(), "%s %s: %s (shown once): %s\n", s.Kind, s.ID, s.Name, s.Secret)
		}
	}
	return nil
}

func loadConfig(path string, stdin io.Reader) ([]configfile.Document, error) {
	if path != "-" {
		return configfile.Load(path, os.Getenv)
	}
	raw, err := io.ReadAll(stdin)
	if err != nil {
		return nil, err
	}
	dir, _ := os.Getwd()
	docs, err := configfile.Parse(raw, os.Getenv, dir)
	if err != nil {
		return nil, fmt.Errorf("stdin: %w", err)
	}
	return docs, nil
}

// describePointer puts the document path of each error first.
func describePointer(err error) error {
	var ae *adminclient.Error
	if !errors.As(err, &ae) || len(ae.Errors) == 0 {
		return err
	}
	var parts []string
	for _, e := range ae.Errors {
		msg := e.Detail
		if e.Source != nil && e.Source.Pointer != "" {
			msg = e.Source.Pointer + ": " + msg
		}
		parts = append(parts, msg)
	}
	return errors.New(strings.Join(parts, "; "))
}
