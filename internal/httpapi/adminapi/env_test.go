package adminapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/apitoken"
	"github.com/tollgate-dev/tollgate/internal/authn"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/feed"
	"github.com/tollgate-dev/tollgate/internal/gateway/upstream"
	"github.com/tollgate-dev/tollgate/internal/httpapi/adminapi"
	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
	"github.com/tollgate-dev/tollgate/internal/token"
)

const bootstrapToken = "test-bootstrap-token"

// env is a real admin API over a real SQLite store, with tenants
// default, acme and other.
type env struct {
	t       *testing.T
	url     string
	st      *sqlstore.Store
	keys    *token.Keyring
	revoked *token.Revocations
	// apiTokens resolves tgp_ bearer tokens, as in serve.
	apiTokens *apitoken.Verifier

	mu      sync.Mutex
	changed []string // OnApplicationChange calls, "tenant/clientID"
}

func newEnv(t *testing.T) *env { return newEnvUpstreams(t, nil) }

// newEnvUpstreams is newEnv with the upstream policy pol (nil: strict),
// which identity providers obey too.
func newEnvUpstreams(t *testing.T, pol *upstream.Policy) *env {
	t.Helper()
	return newEnvOn(t, filepath.Join(t.TempDir(), "tollgate.db"), pol)
}

// newEnvOn is newEnvUpstreams on the database dsn (a SQLite file or a
// PostgreSQL URL).
func newEnvOn(t *testing.T, dsn string, pol *upstream.Policy) *env {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, id := range []string{domain.DefaultTenant, "acme", "other"} {
		if err := st.CreateTenant(ctx, &domain.Tenant{ID: id, Name: id, CreatedAt: time.Now()}); err != nil {
			t.Fatal(err)
		}
	}
	if err := authn.SetBootstrapToken(ctx, st, bootstrapToken); err != nil {
		t.Fatal(err)
	}
	sealer, err := secret.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, st: st}
	if e.keys, err = token.NewKeyring(st, sealer, "http://tollgate.test", ""); err != nil {
		t.Fatal(err)
	}
	e.revoked = token.NewRevocations(st, nil)
	hasher := secret.NewHasher(secret.Params{Memory: 64, Time: 1, Threads: 1}, 2, time.Second)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	// The changes each use case's catch-up applied, as tenant/entity/id.
	record := func(_ context.Context, c domain.Change) error {
		e.mu.Lock()
		defer e.mu.Unlock()
		e.changed = append(e.changed, c.Tenant+"/"+c.Entity+"/"+c.ID)
		return nil
	}
	e.apiTokens = apitoken.NewVerifier(st, e.revoked, apitoken.Config{})
	auth := admin.NewAuthenticator(st, e.keys.KeySource, e.revoked, e.apiTokens, nil)
	changes := feed.New(st, log, record, e.apiTokens.Changed, auth.Changed)
	if err := changes.CatchUp(ctx); err != nil {
		t.Fatal(err)
	}
	svc := admin.NewService(admin.Config{Store: st, Hasher: hasher, Keyring: e.keys, Sealer: sealer, Upstreams: pol,
		Feed: feed.NewGroup(e.revoked.Sync, changes.CatchUp)})
	m := route.New()
	adminapi.New(adminapi.Config{Service: svc, Auth: auth, Logger: log}).Register(m)
	srv := httptest.NewServer(m)
	t.Cleanup(srv.Close)
	e.url = srv.URL
	return e
}

// jwt issues an access token of tenant for subject with scope.
func (e *env) jwt(tenant, subject, scope string) string {
	e.t.Helper()
	tok, err := e.keys.Issue(context.Background(), tenant, &token.Claims{Subject: subject, Scope: scope})
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// response is a decoded answer.
type response struct {
	status int
	header http.Header
	doc    jsonapi.RawDocument
	raw    []byte
}

// resource decodes the single resource of r.
func (r *response) resource(t *testing.T) resource {
	t.Helper()
	var res resource
	if err := json.Unmarshal(r.doc.Data, &res); err != nil {
		t.Fatalf("data of %s: %v", r.raw, err)
	}
	return res
}

// resources decodes the resource list of r.
func (r *response) resources(t *testing.T) []resource {
	t.Helper()
	var res []resource
	if err := json.Unmarshal(r.doc.Data, &res); err != nil {
		t.Fatalf("data of %s: %v", r.raw, err)
	}
	return res
}

type resource struct {
	Type       string         `json:"type"`
	ID         string         `json:"id"`
	Attributes map[string]any `json:"attributes"`
	Links      jsonapi.Links  `json:"links"`
}

// do sends body (a JSON string, "" for none) as JSON:API with the bearer
// token tok ("" for none).
func (e *env) do(method, path, tok, body string) *response {
	e.t.Helper()
	return e.doType(method, path, tok, body, jsonapi.MediaType)
}

func (e *env) doType(method, path, tok, body, contentType string) *response {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = bytes.NewBufferString(body)
	}
	req, err := http.NewRequest(method, e.url+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	out := &response{status: res.StatusCode, header: res.Header}
	out.raw, _ = io.ReadAll(res.Body)
	if len(out.raw) > 0 {
		if err := json.Unmarshal(out.raw, &out.doc); err != nil {
			e.t.Fatalf("%s %s: body %q: %v", method, path, out.raw, err)
		}
		if ct := res.Header.Get("Content-Type"); ct != jsonapi.MediaType {
			e.t.Errorf("%s %s: Content-Type %q", method, path, ct)
		}
	}
	return out
}

// must checks the status of r.
func (e *env) must(r *response, status int) *response {
	e.t.Helper()
	if r.status != status {
		e.t.Fatalf("status %d, want %d; body %s", r.status, status, r.raw)
	}
	return r
}
