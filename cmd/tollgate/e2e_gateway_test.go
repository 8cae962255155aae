package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// The gateway end to end (issue 7): an API created through the admin
// API, a real httptest upstream, tokens issued by the running server.

// gatewayDo calls the gateway with the raw path (tricks included) and an
// optional bearer token; extra headers are added as given.
func (e *env) gatewayDo(method, path, bearer string, extra http.Header) *response {
	e.t.Helper()
	req, err := http.NewRequest(method, e.app.GatewayURL()+"/", nil)
	if err != nil {
		e.t.Fatal(err)
	}
	req.URL.Opaque, req.URL.RawQuery, _ = strings.Cut(path, "?")
	if bearer != "" {
		req.Header.Set("Authorization", "Bearer "+bearer)
	}
	for k, vs := range extra {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := &response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	if err := json.Unmarshal(raw, &r.body); err != nil {
		e.t.Fatalf("%s %s: %d, body not JSON: %q", method, path, resp.StatusCode, raw)
	}
	return r
}

// upstreamEcho answers 200 with the path and headers it received.
func upstreamEcho(t *testing.T) *httptest.Server {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"path": r.URL.EscapedPath(), "header": r.Header})
	}))
	t.Cleanup(up.Close)
	return up
}

const ordersAPI = `{"data":{"type":"api","id":"orders","attributes":{"context":"/orders/v1","upstream":%q,"resources":[
	{"method":"GET","path":"/items/{id}","scopes":["orders:read"]},
	{"method":"PUT","path":"/items/{id}","scopes":["orders:write"]},
	{"method":"GET","path":"/health","public":true}]}}}`

func (e *env) createOrdersAPI(upstream string) {
	e.t.Helper()
	b, _ := json.Marshal(upstream)
	e.api("POST", "/api/v1/entities/apis", strings.Replace(ordersAPI, "%q", string(b), 1), 201)
}

func expect(t *testing.T, what string, r *response, status int, code string) {
	t.Helper()
	if r.status != status || r.str("error") != code {
		t.Fatalf("%s: %d %s, want %d %q", what, r.status, r.raw, status, code)
	}
}

func TestGatewayScopes(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		up := upstreamEcho(t)
		e.createOrdersAPI(up.URL)
		access := e.passwordToken("orders:read").str("access_token")
		apiTok := e.createAPIToken(e.admin, "john.doe", "ci", `,"attributes":{"scopes":["orders:read"]}`)

		for name, tok := range map[string]string{"access token": access, "api token": apiTok} {
			r := e.gatewayDo("GET", "/orders/v1/items/42", tok, nil)
			expect(t, name+" on a read resource", r, 200, "")
			if r.str("path") != "/items/42" {
				t.Errorf("%s: upstream path %q", name, r.str("path"))
			}
			r = e.gatewayDo("PUT", "/orders/v1/items/42", tok, nil)
			expect(t, name+" on an update resource", r, 403, "insufficient_scope")
			if h := r.header.Get("WWW-Authenticate"); !strings.Contains(h, `error="insufficient_scope"`) || !strings.Contains(h, `scope="orders:write"`) {
				t.Errorf("%s: WWW-Authenticate %q", name, h)
			}
		}
		r := e.gatewayDo("GET", "/orders/v1/items/42", "", nil)
		expect(t, "no token", r, 401, "unauthorized")
		if h := r.header.Get("WWW-Authenticate"); h != `Bearer realm="tollgate"` {
			t.Errorf("no token: WWW-Authenticate %q", h)
		}
		expect(t, "public", e.gatewayDo("GET", "/orders/v1/health", "", nil), 200, "")
		expect(t, "garbage token", e.gatewayDo("GET", "/orders/v1/items/1", "eyJnope", nil), 401, "invalid_token")

		// An API of another tenant refuses this tenant's tokens, even on a
		// resource that needs no scope.
		e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"acme","attributes":{"name":"Acme"}}}`, 201)
		e.api("POST", "/acme/api/v1/entities/apis", `{"data":{"type":"api","id":"orders","attributes":{"context":"/acme/orders",`+
			`"upstream":"`+up.URL+`","resources":[{"method":"GET","path":"/items/{id}"}]}}}`, 201)
		for name, tok := range map[string]string{"access token": access, "api token": apiTok} {
			expect(t, name+" of another tenant", e.gatewayDo("GET", "/acme/orders/items/1", tok, nil), 401, "invalid_token")
		}

		// Revocation and deletion apply from the next request.
		if rv := e.post("/oauth2/revoke", url.Values{"token": {access}}, e.clientID, e.clientSecret); rv.status != 200 {
			t.Fatalf("revoke: %d %s", rv.status, rv.raw)
		}
		expect(t, "revoked access token", e.gatewayDo("GET", "/orders/v1/items/1", access, nil), 401, "invalid_token")
		e.api("DELETE", tokensPath+"/ci", "", 204)
		expect(t, "deleted api token", e.gatewayDo("GET", "/orders/v1/items/1", apiTok, nil), 401, "invalid_token")
	})
}

func TestGatewayRouting(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		up := upstreamEcho(t)
		e.createOrdersAPI(up.URL)
		tok := e.passwordToken("orders:read").str("access_token")
		for _, p := range []string{"/orders/v1/items/1/../../items/1", "/orders/v1/x/%2e%2e/items/1",
			"/orders/v1/items%2f1", "/orders/v1//items/1"} {
			expect(t, p, e.gatewayDo("PUT", p, tok, nil), 400, "invalid_request")
		}
		expect(t, "unknown path", e.gatewayDo("GET", "/orders/v1/nope", tok, nil), 404, "not_found")
		expect(t, "unknown API", e.gatewayDo("GET", "/billing/items/1", tok, nil), 404, "not_found")
		r := e.gatewayDo("DELETE", "/orders/v1/items/1", tok, nil)
		expect(t, "wrong method", r, 405, "method_not_allowed")
		if r.header.Get("Allow") != "GET, PUT" {
			t.Errorf("Allow %q", r.header.Get("Allow"))
		}

		// The caller's X-Tollgate-* never reach the upstream; the
		// gateway's statement of identity does.
		r = e.gatewayDo("GET", "/orders/v1/items/1", tok, http.Header{"X-Tollgate-Subject": {"admin"}, "X-Tollgate-Scopes": {"orders:write"}})
		expect(t, "forward", r, 200, "")
		h := r.body["header"].(map[string]any)
		for k, want := range map[string]string{"X-Tollgate-Subject": "john.doe", "X-Tollgate-Scopes": "orders:read",
			"X-Tollgate-Tenant": "default", "X-Tollgate-Client": e.clientID, "X-Forwarded-Proto": "http"} {
			if v, _ := h[k].([]any); len(v) != 1 || v[0] != want {
				t.Errorf("upstream got %s = %v, want %q", k, h[k], want)
			}
		}

		// Changes apply at once: a new upstream, then no API at all.
		down := httptest.NewServer(http.NotFoundHandler())
		down.Close()
		e.api("PATCH", "/api/v1/entities/apis/orders", `{"data":{"type":"api","id":"orders","attributes":{"upstream":"`+down.URL+`"}}}`, 200)
		expect(t, "upstream down", e.gatewayDo("GET", "/orders/v1/items/1", tok, nil), 502, "bad_gateway")
		e.api("DELETE", "/api/v1/entities/apis/orders", "", 204)
		expect(t, "deleted API", e.gatewayDo("GET", "/orders/v1/items/1", tok, nil), 404, "not_found")

		m := e.do("GET", "/metrics", "", "", "")
		for _, want := range []string{`tollgate_gateway_requests_total{api="default/orders",decision="allowed",resource="GET /items/{id}",upstream_status="200"}`,
			`decision="allowed",resource="GET /items/{id}",upstream_status="502"`, "tollgate_gateway_added_latency_seconds_bucket"} {
			if !strings.Contains(m.raw, want) {
				t.Errorf("metrics lack %s", want)
			}
		}
	})
}
