package main

import (
	"context"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/tollgate-dev/tollgate/internal/server"
)

// TestConfigCommands: export as YAML, diff, apply with a secret given by
// reference, apply again (nothing to do), and refusals that name the
// file and the place in it.
func TestConfigCommands(t *testing.T) {
	e := startServer(t, "")
	t.Setenv("TOLLGATE_URL", e.base)
	t.Setenv("TOLLGATE_TOKEN", e.admin)
	e.configTenant()
	exported := mustRun(t, "", "export", "--tenant", "acme")
	if !strings.Contains(exported, "tenant: acme\n") || !strings.Contains(exported, "  id: acme-backend\n") {
		t.Fatalf("export: %s", exported)
	}
	if again := mustRun(t, "", "export", "--tenant", "acme"); again != exported {
		t.Fatal("two exports of an unchanged tenant differ")
	}
	all := mustRun(t, "", "export", "--all")
	if strings.Count(all, "\n---\n") != 1 || !strings.Contains(all, "tenant: default") {
		t.Fatalf("export --all: %s", all)
	}

	dir := t.TempDir()
	file := filepath.Join(dir, "acme.yaml")
	t.Setenv("REPORTS_SECRET", strings.Repeat("s", 40))
	edited := strings.Replace(exported, "applications:\n", `applications:
- id: reports
  name: Reports
  grantTypes: [client_credentials]
  scopes: [orders:read]
  clientSecret: env:REPORTS_SECRET
`, 1) + "# a comment\n"
	if err := os.WriteFile(file, []byte(edited), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := mustRun(t, "", "diff", "-f", file); !strings.Contains(out, "would change 1") || !strings.Contains(out, "create applications reports") {
		t.Fatalf("diff: %s", out)
	}
	e.api("GET", "/acme/api/v1/entities/applications/reports", "", 404)
	if out := mustRun(t, "", "apply", "-f", file); !strings.Contains(out, "changed 1") {
		t.Fatalf("apply: %s", out)
	}
	if r := e.post("/acme/oauth2/token", map[string][]string{"grant_type": {"client_credentials"}}, "reports", strings.Repeat("s", 40)); r.status != http.StatusOK {
		t.Fatalf("the secret given by reference: %d %s", r.status, r.raw)
	}
	if out := mustRun(t, "", "apply", "-f", file); !strings.Contains(out, "tenant acme: up to date") {
		t.Fatalf("apply again: %s", out)
	}

	for name, tc := range map[string]struct{ yaml, want string }{
		"a secret written out": {strings.Replace(edited, "env:REPORTS_SECRET", "hunter2", 1), "/applications/0/clientSecret: give the secret as env:NAME"},
		"an unset variable":    {strings.Replace(edited, "env:REPORTS_SECRET", "env:NOPE_NOT_SET", 1), "NOPE_NOT_SET is not set"},
		"a bad grant type":     {strings.Replace(edited, "grantTypes: [client_credentials]", "grantTypes: [telepathy]", 1), "/applications/0/grantTypes"},
		"not YAML":             {"tenant: [", "document 1"},
		"no tenant":            {"scopes: []\n", "/tenant: required"},
	} {
		bad := filepath.Join(dir, "bad.yaml")
		if err := os.WriteFile(bad, []byte(tc.yaml), 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := run(t, "", "apply", "-f", bad)
		if err == nil || !strings.Contains(err.Error(), bad) || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want the file and %q", name, err, tc.want)
		}
	}
}

// TestServeConfig: serve --config creates the file's tenant at the first
// start and, unlike a one-time import, brings an existing one to match
// the file at the next.
func TestServeConfig(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "tollgate.yaml")
	write := func(body string) {
		if err := os.WriteFile(file, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	write("tenant: shop\nsettings:\n  name: Shop\nscopes:\n- id: cart:read\n")
	cfg := testConfig(t, "")
	cfg.ConfigFile = file
	e, stop := launch(t, cfg)
	e.api("GET", "/shop/api/v1/entities/scopes/cart:read", "", 200)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	write("tenant: shop\nsettings:\n  name: Shop Inc\nscopes:\n- id: cart:read\n  description: Read carts\n")
	e, _ = launch(t, cfg)
	if a := attrs(e.api("GET", "/shop/api/v1/entities/scopes/cart:read", "", 200)); a["description"] != "Read carts" {
		t.Fatalf("the second start did not update the scope: %v", a)
	}
	if a := attrs(e.api("GET", "/api/v1/entities/tenants/shop", "", 200)); a["name"] != "Shop Inc" {
		t.Fatalf("the second start did not update the tenant: %v", a)
	}

	write("tenant: shop\nscopes:\n- id: 'bad scope'\n")
	bad := testConfig(t, "")
	bad.ConfigFile = file
	if _, err := server.New(context.Background(), bad, io.Discard); err == nil || !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), "/scopes/0") {
		t.Fatalf("a bad file at start: %v", err)
	}
}

// TestConfigSchema: an export validates against docs/config.schema.json,
// the schema editors read, and a document with a member the server
// refuses does not.
func TestConfigSchema(t *testing.T) {
	c := jsonschema.NewCompiler()
	sch, err := c.Compile(filepath.Join("..", "..", "docs", "config.schema.json"))
	if err != nil {
		t.Fatal(err)
	}
	e := startServer(t, "")
	e.configTenant()
	for _, tenant := range []string{"acme", ""} {
		doc, err := jsonschema.UnmarshalJSON(strings.NewReader(e.exportConfig(tenant)))
		if err != nil {
			t.Fatal(err)
		}
		if err := sch.Validate(doc); err != nil {
			t.Errorf("the export of %q does not validate: %v", tenant, err)
		}
	}
	for name, body := range map[string]string{
		"unknown member":     `{"tenant":"a","users":[]}`,
		"secret written out": `{"tenant":"a","applications":[{"id":"x","clientSecret":"hunter2"}]}`,
		"item without id":    `{"tenant":"a","scopes":[{"description":"x"}]}`,
	} {
		doc, _ := jsonschema.UnmarshalJSON(strings.NewReader(body))
		if sch.Validate(doc) == nil {
			t.Errorf("%s: validates", name)
		}
	}
}
