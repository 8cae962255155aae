package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAPICommands(t *testing.T) {
	url, boot := adminServer(t)
	t.Setenv("TOLLGATE_URL", url)
	t.Setenv("TOLLGATE_TOKEN", boot)
	mustRun := func(args ...string) string {
		t.Helper()
		out, err := run(t, "", args...)
		if err != nil {
			t.Fatalf("%v: %v", args, err)
		}
		return out
	}
	mustRun("scope", "create", "orders:read")
	mustRun("api", "create", "orders", "--context", "/orders/v1", "--upstream", "http://127.0.0.1:9000",
		"--resource", "GET /items/{id} orders:read", "--resource", "get /health public")
	file := filepath.Join(t.TempDir(), "api.json")
	if err := os.WriteFile(file, []byte(`{"context":"/billing","upstream":"https://billing.internal",
		"resources":[{"method":"POST","path":"/invoices","scopes":["orders:read"]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun("api", "create", "billing", "--from-file", file)
	out := mustRun("api", "list")
	for _, want := range []string{"orders", "/orders/v1", "billing", "https://billing.internal"} {
		if !strings.Contains(out, want) {
			t.Errorf("list lacks %q:\n%s", want, out)
		}
	}
	if _, err := run(t, "", "api", "create", "again", "--context", "/orders/v1", "--upstream", "http://x"); err == nil {
		t.Error("a context registered twice was accepted")
	}
	if _, err := run(t, "", "api", "create", "bad", "--context", "/x", "--upstream", "http://x", "--resource", "GET"); err == nil {
		t.Error("a resource without a path was accepted")
	}
	mustRun("api", "delete", "orders")
	if out := mustRun("api", "list"); strings.Contains(out, "/orders/v1") {
		t.Errorf("deleted API still listed:\n%s", out)
	}
}
