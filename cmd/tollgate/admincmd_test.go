package main

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/authn"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/gateway/remote"
	"github.com/tollgate-dev/tollgate/internal/httpapi/adminapi"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// adminServer hosts the real admin API over SQLite with tenant acme.
func adminServer(t *testing.T) (url, bootstrap string) {
	t.Helper()
	url, bootstrap, _ = adminServerStore(t)
	return url, bootstrap
}

// adminServerStore is adminServer that also returns its store, for what
// the admin API does not create (sessions, consents).
func adminServerStore(t *testing.T) (url, bootstrap string, st *sqlstore.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, id := range []string{domain.DefaultTenant, "acme"} {
		if err := st.CreateTenant(ctx, &domain.Tenant{ID: id, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	bootstrap = "boot"
	if err = authn.SetBootstrapToken(ctx, st, bootstrap); err != nil {
		t.Fatal(err)
	}
	sealer, err := secret.NewSealer(make([]byte, 32))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := token.NewKeyring(st, sealer, "http://tollgate.test", "")
	if err != nil {
		t.Fatal(err)
	}
	hasher := secret.NewHasher(secret.Params{Memory: 64, Time: 1, Threads: 1}, 1, time.Second)
	m := route.New()
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	svc := admin.NewService(admin.Config{Store: st, Hasher: hasher, Keyring: keys, Sealer: sealer})
	adminapi.New(adminapi.Config{Service: svc, Auth: admin.NewAuthenticator(st, keys.KeySource, nil, nil, nil), Logger: log}).Register(m)
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	return srv.URL, bootstrap, st
}

// run executes the root command with args and stdin; it returns stdout.
func run(t *testing.T, stdin string, args ...string) (string, error) {
	t.Helper()
	root := newRootCmd()
	var out, errOut bytes.Buffer
	root.SetOut(&out)
	root.SetErr(&errOut)
	root.SetIn(strings.NewReader(stdin))
	root.SetArgs(args)
	err := root.Execute()
	return out.String(), err
}

// useAdminServer starts an admin API and points the CLI at it through the
// environment, as an operator would with TOLLGATE_URL and TOLLGATE_TOKEN.
func useAdminServer(t *testing.T) (url, bootstrap string) {
	url, bootstrap = adminServer(t)
	t.Setenv("TOLLGATE_URL", url)
	t.Setenv("TOLLGATE_TOKEN", bootstrap)
	return url, bootstrap
}

// mustRun is run for commands that must succeed.
func mustRun(t *testing.T, stdin string, args ...string) string {
	t.Helper()
	out, err := run(t, stdin, args...)
	if err != nil {
		t.Fatalf("%v: %v", args, err)
	}
	return out
}

func TestAdminCommands(t *testing.T) {
	url, boot := useAdminServer(t)

	mustRun(t, "", "scope", "create", "orders:read", "--tenant", "acme", "--description", "Read orders")
	mustRun(t, "", "role", "create", "reader", "--tenant", "acme", "--scope", "orders:read")
	mustRun(t, "hunter2-hunter2\n", "user", "create", "john", "--tenant", "acme", "--role", "reader", "--password-stdin", "--email", "j@example.com")
	out := mustRun(t, "", "user", "update", "john", "--tenant", "acme", "--display-name", "John")
	if !strings.Contains(out, "John") || !strings.Contains(out, "j@example.com") {
		t.Errorf("user update printed %q", out)
	}
	out = mustRun(t, "", "user", "list", "--tenant", "acme")
	if !strings.Contains(out, "EMAIL") || !strings.Contains(out, "john") || strings.Contains(out, "hunter2") {
		t.Errorf("user list printed %q", out)
	}

	out = mustRun(t, "", "app", "create", "--tenant", "acme", "-o", "json", "--name", "shop",
		"--scope", "orders:read", "--grant", "client_credentials", "--access-ttl", "10m", "--refresh-reuse-grace", "1m")
	var app struct {
		ID         string         `json:"id"`
		Attributes map[string]any `json:"attributes"`
	}
	if err := json.Unmarshal([]byte(out), &app); err != nil {
		t.Fatalf("app create -o json printed %q: %v", out, err)
	}
	if sec, _ := app.Attributes["clientSecret"].(string); !strings.HasPrefix(sec, "tgs_") || app.Attributes["accessTokenTtl"] != 600.0 ||
		app.Attributes["refreshReuseGraceSeconds"] != 60.0 {
		t.Errorf("created app %+v", app)
	}
	out = mustRun(t, "", "app", "get", app.ID, "--tenant", "acme")
	if !strings.Contains(out, "shop") || strings.Contains(out, "tgs_") {
		t.Errorf("app get printed %q", out)
	}
	// update sends only the flags given: the grace changes, the rest stays.
	out = mustRun(t, "", "app", "update", app.ID, "--tenant", "acme", "-o", "json", "--refresh-reuse-grace", "0")
	app.Attributes = nil
	if err := json.Unmarshal([]byte(out), &app); err != nil {
		t.Fatalf("app update -o json printed %q: %v", out, err)
	}
	if app.Attributes["refreshReuseGraceSeconds"] != 0.0 || app.Attributes["name"] != "shop" || app.Attributes["accessTokenTtl"] != 600.0 {
		t.Errorf("after app update --refresh-reuse-grace 0: %v", app.Attributes)
	}
	if _, err := run(t, "", "app", "update", app.ID, "--tenant", "acme", "--refresh-reuse-grace", "6m"); err == nil ||
		!strings.Contains(err.Error(), "refreshReuseGraceSeconds") {
		t.Errorf("app update --refresh-reuse-grace 6m: %v", err)
	}
	out = mustRun(t, "", "app", "rotate-secret", app.ID, "--tenant", "acme")
	if !strings.Contains(out, "tgs_") {
		t.Errorf("rotate-secret printed %q", out)
	}
	mustRun(t, "", "key", "rotate", "--tenant", "acme")
	mustRun(t, "", "key", "rotate", "--tenant", "acme", "--alg", "EdDSA")
	mustRun(t, "", "key", "rotate", "--tenant", "acme", "--alg", "RS256")
	// The keys as a remote gateway sees them, newest first.
	keys, err := remote.NewClient([]string{url}, boot, nil).ListSigningKeys(context.Background(), "acme", time.Now())
	if err != nil || len(keys) != 3 || keys[0].Algorithm != "RS256" || keys[1].Algorithm != "EdDSA" || keys[2].Algorithm != "ES256" {
		t.Fatalf("keys after key rotate --alg: %+v %v", keys, err)
	}
	if _, err := run(t, "", "key", "rotate", "--tenant", "acme", "--alg", "HS256"); err == nil ||
		!strings.Contains(err.Error(), "400") || !strings.Contains(err.Error(), "ES256, EdDSA, RS256") {
		t.Errorf("key rotate --alg HS256: %v", err)
	}
	mustRun(t, "", "app", "delete", app.ID, "--tenant", "acme")

	// The server's error detail reaches the user.
	if _, err := run(t, "", "scope", "create", "orders:read", "--tenant", "acme"); err == nil || !strings.Contains(err.Error(), "409") {
		t.Errorf("duplicate scope: %v", err)
	}
	if _, err := run(t, "", "role", "create", "writer", "--tenant", "acme", "--scope", "nope"); err == nil || !strings.Contains(err.Error(), `unknown scope "nope"`) {
		t.Errorf("unknown scope: %v", err)
	}
	if _, err := run(t, "", "tenant", "list", "--token", "wrong"); err == nil || !strings.Contains(err.Error(), "401") {
		t.Errorf("bad token: %v", err)
	}
	out = mustRun(t, "", "tenant", "list", "-o", "json")
	if !strings.Contains(out, `"acme"`) {
		t.Errorf("tenant list printed %q", out)
	}
}
