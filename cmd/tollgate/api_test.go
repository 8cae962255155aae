package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAPICommands(t *testing.T) {
	useAdminServer(t)
	mustRun(t, "", "scope", "create", "orders:read")
	mustRun(t, "", "api", "create", "orders", "--context", "/orders/v1", "--upstream", "http://127.0.0.1:9000",
		"--resource", "GET /items/{id} orders:read", "--resource", "get /health public")
	file := filepath.Join(t.TempDir(), "api.json")
	if err := os.WriteFile(file, []byte(`{"context":"/billing","upstream":"https://billing.internal",
		"resources":[{"method":"POST","path":"/invoices","scopes":["orders:read"]}]}`), 0o600); err != nil {
		t.Fatal(err)
	}
	mustRun(t, "", "api", "create", "billing", "--from-file", file)
	out := mustRun(t, "", "api", "list")
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
	mustRun(t, "", "api", "delete", "orders")
	if out := mustRun(t, "", "api", "list"); strings.Contains(out, "/orders/v1") {
		t.Errorf("deleted API still listed:\n%s", out)
	}
}
