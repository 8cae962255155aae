package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/config"
	"github.com/tollgate-dev/tollgate/internal/server"
	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
)

// End-to-end tests: the real wiring of `tollgate serve` on a loopback
// port, on SQLite and on PostgreSQL, driven over HTTP as users would.

func TestMain(m *testing.M) { pgtest.Main(m) }

const testBootstrap = "test-bootstrap-token-0123456789"

type env struct {
	t     testing.TB
	base  string
	app   *server.Server
	cfg   *config.Server
	admin string // bootstrap token
	// seeded data
	clientID, clientSecret string
}

// forEachStore runs f against a fresh server on SQLite and on PostgreSQL.
func forEachStore(t *testing.T, f func(t *testing.T, e *env)) {
	t.Run("sqlite", func(t *testing.T) { f(t, startServer(t, "")) })
	t.Run("postgres", func(t *testing.T) { f(t, startServer(t, pgtest.NewDatabase(t))) })
}

func testConfig(t testing.TB, dsn string) *config.Server {
	cfg := &config.Server{
		Addr: "127.0.0.1:0", GatewayAddr: "127.0.0.1:0",
		DataDir: t.TempDir(), Database: dsn,
		BootstrapToken: testBootstrap,
		LogFormat:      "text", LogLevel: "error",
		// Above net/http's 5 s: Shutdown waits that long for a connection
		// accepted with no request yet, which a remote gateway's long poll
		// canceled as it stopped can leave behind.
		ShutdownGrace:         10 * time.Second,
		PasswordHashMemoryKiB: 64, PasswordHashIterations: 1,
		AuditSync: true, // as serve's default
	}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func startServer(t testing.TB, dsn string) *env {
	t.Helper()
	return startWith(t, testConfig(t, dsn))
}

func startWith(t testing.TB, cfg *config.Server) *env {
	t.Helper()
	e, _ := launch(t, cfg)
	e.seed()
	return e
}

// launch starts a server on cfg, unseeded. stop cancels it, waits for run
// to return and gives its error; it is idempotent and also runs at cleanup.
func launch(t testing.TB, cfg *config.Server) (e *env, stop func() error) {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	a, err := server.New(ctx, cfg, io.Discard)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- a.Run(ctx) }()
	var once sync.Once
	var runErr error
	stop = func() error {
		once.Do(func() { cancel(); runErr = <-done })
		return runErr
	}
	t.Cleanup(func() {
		if err := stop(); err != nil {
			t.Errorf("server stopped with %v", err)
		}
	})
	return &env{t: t, base: a.URL(), app: a, cfg: cfg, admin: testBootstrap}, stop
}

// seed creates, through the admin API, the data most tests use.
func (e *env) seed() {
	e.api("POST", "/api/v1/entities/scopes", `{"data":{"type":"scope","id":"orders:read"}}`, 201)
	e.api("POST", "/api/v1/entities/scopes", `{"data":{"type":"scope","id":"orders:write"}}`, 201)
	e.api("POST", "/api/v1/entities/roles", `{"data":{"type":"role","id":"reader","attributes":{"scopes":["orders:read"]}}}`, 201)
	e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"john.doe","attributes":{"password":"s3cret-pw","roles":["reader"]}}}`, 201)
	e.clientID, e.clientSecret = e.createApp("", `"grantTypes":["password","refresh_token","client_credentials"],"scopes":["orders:read","orders:write"],"defaultScopes":["orders:read"]`)
}

// createApp creates an application in tenant ("" = default) and returns
// its credentials.
func (e *env) createApp(tenant, attrs string) (id, secret string) {
	e.t.Helper()
	doc := e.api("POST", prefix(tenant)+"/api/v1/entities/applications", `{"data":{"type":"application","attributes":{"name":"test app",`+attrs+`}}}`, 201)
	a := doc["data"].(map[string]any)["attributes"].(map[string]any)
	return a["clientId"].(string), a["clientSecret"].(string)
}

func prefix(tenant string) string {
	if tenant == "" {
		return ""
	}
	return "/" + tenant
}

// api calls the admin API with the bootstrap token and checks the status.
func (e *env) api(method, path, body string, want int) map[string]any {
	e.t.Helper()
	return e.apiAs(e.admin, method, path, body, want)
}

func (e *env) apiAs(bearer, method, path, body string, want int) map[string]any {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.base+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+bearer)
	if body != "" {
		req.Header.Set("Content-Type", "application/vnd.api+json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, raw)
	}
	var doc map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &doc); err != nil {
			e.t.Fatalf("%s %s: %v: %s", method, path, err, raw)
		}
	}
	return doc
}

// response is an HTTP answer with its JSON body decoded.
type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (r *response) str(key string) string { s, _ := r.body[key].(string); return s }

// post sends a form to path with optional Basic credentials.
func (e *env) post(path string, form url.Values, basicID, basicSecret string) *response {
	e.t.Helper()
	return e.do("POST", path, "application/x-www-form-urlencoded", form.Encode(), basicAuth(basicID, basicSecret))
}

func basicAuth(id, secret string) string {
	if id == "" {
		return ""
	}
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(url.QueryEscape(id)+":"+url.QueryEscape(secret)))
}

func (e *env) do(method, path, contentType, body, authorization string) *response {
	e.t.Helper()
	return e.doWith(method, path, contentType, body, map[string]string{"Authorization": authorization})
}

// doWith sends a request with the non-empty headers of header.
func (e *env) doWith(method, path, contentType, body string, header map[string]string) *response {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.base+path, bytes.NewBufferString(body))
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, v := range header {
		if v != "" {
			req.Header.Set(k, v)
		}
	}
	return e.send(req)
}

// send sends req and reads the answer, as JSON when it is.
func (e *env) send(req *http.Request) *response {
	e.t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := &response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}

// passwordToken gets a token for john.doe with the seeded client.
func (e *env) passwordToken(scope string) *response {
	e.t.Helper()
	f := url.Values{"grant_type": {"password"}, "username": {"john.doe"}, "password": {"s3cret-pw"}}
	if scope != "" {
		f.Set("scope", scope)
	}
	r := e.post("/token", f, e.clientID, e.clientSecret)
	if r.status != 200 {
		e.t.Fatalf("password grant: %d %s", r.status, r.raw)
	}
	return r
}

// introspect returns the introspection answer for tok.
func (e *env) introspect(tok string) map[string]any {
	e.t.Helper()
	r := e.post("/oauth2/introspect", url.Values{"token": {tok}}, e.clientID, e.clientSecret)
	if r.status != 200 {
		e.t.Fatalf("introspect: %d %s", r.status, r.raw)
	}
	return r.body
}
