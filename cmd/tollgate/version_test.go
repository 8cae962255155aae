package main

import (
	"runtime"
	"runtime/debug"
	"strings"
	"testing"
)

// TestVersion: `tollgate version` prints the module version and the Go
// version; with VCS information it names the commit, its time and a
// modified tree.
func TestVersion(t *testing.T) {
	out := mustRun(t, "", "version")
	if !strings.HasPrefix(out, "tollgate ") || !strings.Contains(out, runtime.Version()) {
		t.Fatalf("version printed %q", out)
	}
	bi := &debug.BuildInfo{GoVersion: "go1.99", Main: debug.Module{Version: "v1.2.3"}, Settings: []debug.BuildSetting{
		{Key: "vcs.revision", Value: "abc123"}, {Key: "vcs.time", Value: "2026-11-30T12:00:00Z"}, {Key: "vcs.modified", Value: "true"}}}
	if got, want := versionText(bi), "tollgate v1.2.3 (commit abc123, 2026-11-30T12:00:00Z, modified) go1.99"; got != want {
		t.Fatalf("versionText = %q, want %q", got, want)
	}
	if got := versionText(&debug.BuildInfo{GoVersion: "go1.99"}); got != "tollgate (devel) go1.99" {
		t.Fatalf("versionText without VCS = %q", got)
	}
	// Cobra's completion command is there for the shells the README names.
	for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
		if out := mustRun(t, "", "completion", sh); !strings.Contains(out, "tollgate") {
			t.Errorf("completion %s printed no script", sh)
		}
	}
}
