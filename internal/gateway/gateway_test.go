package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/gateway"
	"github.com/tollgate-dev/tollgate/internal/gateway/upstream"
)

// tokens is a Verifier over a fixed map: the real verifiers are tested
// end to end in cmd/tollgate with tokens the server issued. It answers
// for whatever tenant is asked, as a verifier with a bug would: the
// gateway must check the tenant of the identity itself.
type tokens map[string]*gateway.Identity

func (ts tokens) Verify(_ context.Context, _, raw string) (*gateway.Identity, error) {
	id, ok := ts[raw]
	if !ok {
		return nil, gateway.ErrInvalidToken
	}
	return id, nil
}

type apis []domain.API

func (a apis) APIs(context.Context) ([]domain.API, error) { return a, nil }

// echo answers with what it received, for the tests to inspect.
func echo(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path == "/base/slow" {
		time.Sleep(300 * time.Millisecond)
	}
	body, _ := io.ReadAll(r.Body)
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusTeapot)
	_ = json.NewEncoder(w).Encode(map[string]any{"path": r.URL.EscapedPath(), "query": r.URL.RawQuery,
		"header": r.Header, "body": string(body), "host": r.Host})
}

type env struct {
	gw       *httptest.Server
	mu       sync.Mutex
	outcomes []gateway.Outcome
}

// ordersAPI is acme's API on upstream; byOperator: the operator set the
// upstream, so the gateway may dial a loopback address.
func ordersAPI(upstream string, byOperator bool) domain.API {
	return domain.API{Tenant: "acme", ID: "orders", Context: "/orders/v1", Upstream: upstream + "/base", OperatorUpstream: byOperator,
		Resources: []domain.APIResource{
			{Method: "GET", Path: "/items/{id}", Scopes: []string{"orders:read"}},
			{Method: "PUT", Path: "/items/{id}", Scopes: []string{"orders:read", "orders:update"}},
			{Method: "POST", Path: "/items", Scopes: []string{}},
			{Method: "GET", Path: "/slow"},
			{Method: "GET", Path: "/health", Public: true},
		}}
}

func newEnv(t *testing.T, upstream string) *env {
	return newEnvFor(t, ordersAPI(upstream, true), nil)
}

func newEnvFor(t *testing.T, a domain.API, p *upstream.Policy) *env {
	t.Helper()
	e := &env{}
	g := gateway.New(gateway.Config{
		Source:    apis{a},
		Upstreams: p,
		Verifier: tokens{
			"reader": {Tenant: "acme", Subject: "john", Client: "app1", Scopes: []string{"orders:read"}},
			"other":  {Tenant: "other", Subject: "eve", Scopes: []string{"orders:read", "orders:update"}},
		},
		UpstreamTimeout: 100 * time.Millisecond,
		Observe: func(o gateway.Outcome) {
			e.mu.Lock()
			e.outcomes = append(e.outcomes, o)
			e.mu.Unlock()
		},
	})
	if err := g.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	e.gw = httptest.NewServer(g)
	t.Cleanup(e.gw.Close)
	return e
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
}

func (e *env) do(t *testing.T, method, path string, header http.Header, body string) answer {
	t.Helper()
	req, err := http.NewRequest(method, e.gw.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	// Opaque keeps the path exactly as written, tricks included.
	req.URL.Opaque, _, _ = strings.Cut(path, "?")
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	a := answer{status: resp.StatusCode, header: resp.Header}
	if err := json.NewDecoder(resp.Body).Decode(&a.body); err != nil {
		t.Fatalf("%s %s: body is not JSON: %v", method, path, err)
	}
	return a
}

func bearer(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }

func TestRefusals(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(echo))
	defer up.Close()
	e := newEnv(t, up.URL)
	tests := []struct {
		name, method, path string
		header             http.Header
		status             int
		code, challenge    string
	}{
		{"no token", "GET", "/orders/v1/items/1", nil, 401, "unauthorized", `Bearer realm="tollgate"`},
		{"basic scheme", "GET", "/orders/v1/items/1", http.Header{"Authorization": {"Basic YTpi"}}, 401, "unauthorized", `Bearer realm="tollgate"`},
		{"unknown token", "GET", "/orders/v1/items/1", bearer("nope"), 401, "invalid_token", `error="invalid_token"`},
		{"other tenant's token", "GET", "/orders/v1/items/1", bearer("other"), 401, "invalid_token", `error="invalid_token"`},
		{"two tokens", "GET", "/orders/v1/items/1", bearer("reader reader"), 400, "invalid_request", `error="invalid_request"`},
		{"two headers", "GET", "/orders/v1/items/1", http.Header{"Authorization": {"Bearer reader", "Bearer reader"}}, 400, "invalid_request", ""},
		{"huge header", "GET", "/orders/v1/items/1", bearer(strings.Repeat("a", 9000)), 400, "invalid_request", ""},
		{"empty bearer", "GET", "/orders/v1/items/1", http.Header{"Authorization": {"Bearer "}}, 400, "invalid_request", ""},
		{"missing scope", "PUT", "/orders/v1/items/1", bearer("reader"), 403, "insufficient_scope",
			`error="insufficient_scope", error_description="the token lacks a scope this resource requires", scope="orders:read orders:update"`},
		{"unknown path", "GET", "/orders/v1/nothing", bearer("reader"), 404, "not_found", ""},
		{"unknown API", "GET", "/billing/x", bearer("reader"), 404, "not_found", ""},
		{"wrong method", "DELETE", "/orders/v1/items/1", bearer("reader"), 405, "method_not_allowed", ""},
		{"dot dot to a weaker resource", "PUT", "/orders/v1/items/1/../../items", bearer("reader"), 400, "invalid_request", ""},
		{"encoded dot dot", "GET", "/orders/v1/x/%2e%2e/items/1", bearer("reader"), 400, "invalid_request", ""},
		{"encoded slash", "GET", "/orders/v1/items%2F1", bearer("reader"), 400, "invalid_request", ""},
		{"double slash", "GET", "/orders/v1//items/1", bearer("reader"), 400, "invalid_request", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := e.do(t, tc.method, tc.path, tc.header, "")
			if a.status != tc.status || a.body["error"] != tc.code || a.body["error_description"] == "" {
				t.Fatalf("got %d %v, want %d %s", a.status, a.body, tc.status, tc.code)
			}
			if got := a.header.Get("WWW-Authenticate"); !strings.Contains(got, tc.challenge) {
				t.Errorf("WWW-Authenticate %q, want it to contain %q", got, tc.challenge)
			}
			if tc.code == "unauthorized" && strings.Contains(a.header.Get("WWW-Authenticate"), "error") {
				t.Errorf("a request without a token got an error code: %q", a.header.Get("WWW-Authenticate"))
			}
		})
	}
	if a := e.do(t, "DELETE", "/orders/v1/items/1", nil, ""); a.header.Get("Allow") != "GET, PUT" {
		t.Errorf("Allow %q", a.header.Get("Allow"))
	}
}

func TestForwarding(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(echo))
	defer up.Close()
	e := newEnv(t, up.URL)
	h := bearer("reader")
	h.Set("X-Tollgate-Subject", "admin")
	h.Set("X-Tollgate-Scopes", "orders:admin")
	h.Set("X-Tollgate-Extra", "x")
	h.Set("X-Forwarded-For", "10.9.9.9")
	a := e.do(t, "GET", "/orders/v1/items/a%20b?x=1&y=2", h, "")
	if a.status != http.StatusTeapot {
		t.Fatalf("status %d %v", a.status, a.body)
	}
	got := a.body["header"].(map[string]any)
	first := func(k string) string {
		if v, ok := got[k].([]any); ok && len(v) == 1 {
			return v[0].(string)
		}
		return ""
	}
	for k, want := range map[string]string{
		"X-Tollgate-Subject": "john", "X-Tollgate-Scopes": "orders:read", "X-Tollgate-Tenant": "acme",
		"X-Tollgate-Client": "app1", "X-Forwarded-For": "127.0.0.1", "X-Forwarded-Proto": "http",
		"Authorization": "Bearer reader",
	} {
		if first(k) != want {
			t.Errorf("%s = %v, want %q", k, got[k], want)
		}
	}
	if got["X-Tollgate-Extra"] != nil {
		t.Errorf("caller's X-Tollgate-Extra reached the upstream")
	}
	if a.body["path"] != "/base/items/a%20b" || a.body["query"] != "x=1&y=2" {
		t.Errorf("upstream saw %v ? %v", a.body["path"], a.body["query"])
	}

	// A public resource forwards no identity, neither a forged one nor
	// the caller's token, which it did not check and which may be of
	// another tenant.
	for _, tok := range []string{"reader", "other"} {
		h := bearer(tok)
		h.Set("X-Tollgate-Subject", "admin")
		a = e.do(t, "GET", "/orders/v1/health", h, "")
		got := a.body["header"].(map[string]any)
		if a.status != http.StatusTeapot || got["X-Tollgate-Subject"] != nil || got["Authorization"] != nil {
			t.Errorf("public with %s's token: %d %v", tok, a.status, got)
		}
	}
	// A resource without scopes needs only a valid token; bodies pass.
	a = e.do(t, "POST", "/orders/v1/items", bearer("reader"), `{"n":1}`)
	if a.status != http.StatusTeapot || a.body["body"] != `{"n":1}` {
		t.Errorf("post: %d %v", a.status, a.body)
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	last := e.outcomes[len(e.outcomes)-1]
	if last.API != "acme/orders" || last.Resource != "POST /items" || last.Decision != "allowed" || last.UpstreamStatus != 418 {
		t.Errorf("outcome %+v", last)
	}
}

func TestUpstreamFailures(t *testing.T) {
	up := httptest.NewServer(http.HandlerFunc(echo))
	e := newEnv(t, up.URL)
	if a := e.do(t, "GET", "/orders/v1/slow", bearer("reader"), ""); a.status != http.StatusGatewayTimeout || a.body["error"] != "gateway_timeout" {
		t.Errorf("slow upstream: %d %v", a.status, a.body)
	}
	up.Close()
	if a := e.do(t, "GET", "/orders/v1/items/1", bearer("reader"), ""); a.status != http.StatusBadGateway || a.body["error"] != "bad_gateway" {
		t.Errorf("upstream down: %d %v", a.status, a.body)
	}
}
