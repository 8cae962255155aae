package oauthapi

import (
	"bytes"
	"encoding/base64"
	"flag"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
	"github.com/tollgate-dev/tollgate/internal/oauth"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
	"github.com/tollgate-dev/tollgate/internal/token"
)

var update = flag.Bool("update", false, "rewrite golden files")

// newServer serves the OAuth routes on a real SQLite store with a fixed
// public URL, so documents are reproducible. Tenant edge was rotated from
// ES256 to EdDSA, so it publishes keys of both.
func newServer(t *testing.T) *httptest.Server {
	t.Helper()
	ctx := t.Context()
	st, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "tollgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, id := range []string{domain.DefaultTenant, "acme", "edge"} {
		if err := st.CreateTenant(ctx, &domain.Tenant{ID: id, Name: id, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	sealer, err := secret.NewSealer(bytes.Repeat([]byte{1}, 32))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := token.NewKeyring(st, sealer, "https://tollgate.example", "")
	if err != nil {
		t.Fatal(err)
	}
	if err := keys.EnsureKey(ctx, "edge"); err != nil {
		t.Fatal(err)
	}
	if err := keys.Rotate(ctx, "edge", "EdDSA"); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv := oauth.NewServer(oauth.Config{
		Store: st, Keys: keys, Revoked: token.NewRevocations(st, nil), Logger: log,
		Hasher: secret.NewHasher(secret.Params{Memory: 64, Time: 1, Threads: 1}, 0, time.Second),
	})
	m := route.New()
	New(srv, keys, log).Register(m)
	ts := httptest.NewServer(m)
	t.Cleanup(ts.Close)
	return ts
}

// golden compares got with testdata/name, or rewrites it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file:\ngot:\n%s\nwant:\n%s", name, got, want)
	}
}

func TestGoldenDocuments(t *testing.T) {
	ts := newServer(t)
	basic := "Basic " + base64.StdEncoding.EncodeToString([]byte("nobody:wrong"))
	tests := []struct {
		name, method, path, contentType, body, auth string
		status                                      int
	}{
		{"metadata-default.json", "GET", "/.well-known/oauth-authorization-server", "", "", "", 200},
		{"metadata-acme.json", "GET", "/acme/.well-known/openid-configuration", "", "", "", 200},
		{"metadata-rotated.json", "GET", "/edge/.well-known/openid-configuration", "", "", "", 200},
		{"error-unsupported-grant.json", "POST", "/token", "application/x-www-form-urlencoded", "grant_type=implicit", "", 400},
		{"error-invalid-client-basic.json", "POST", "/oauth2/token", "application/x-www-form-urlencoded", "grant_type=client_credentials", basic, 401},
		{"error-get-token.json", "GET", "/oauth2/token", "", "", "", 405},
		{"error-unknown-tenant.json", "POST", "/nosuch/oauth2/token", "application/x-www-form-urlencoded", "grant_type=client_credentials", "", 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			req, _ := http.NewRequest(tc.method, ts.URL+tc.path, strings.NewReader(tc.body))
			if tc.contentType != "" {
				req.Header.Set("Content-Type", tc.contentType)
			}
			if tc.auth != "" {
				req.Header.Set("Authorization", tc.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			body, _ := io.ReadAll(resp.Body)
			if resp.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tc.status, body)
			}
			golden(t, tc.name, body)
		})
	}
}
