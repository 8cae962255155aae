package main

import (
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// Gateway isolation (issue 12): which upstreams an admin may give an
// API, and contexts that would capture another tenant's requests.

// tenantAdmin returns an API token of boss, an admin of the default
// tenant: a tenant admin, not the operator.
func (e *env) tenantAdmin() string {
	e.t.Helper()
	e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"boss","attributes":{"roles":["admin"]}}}`, 201)
	return e.createAPIToken(e.admin, "boss", "admin", "")
}

// apiDoc is an API with one public resource, GET /x.
func apiDoc(id, context, upstream string) string {
	return `{"data":{"type":"api","id":"` + id + `","attributes":{"context":"` + context + `","upstream":"` + upstream +
		`","resources":[{"method":"GET","path":"/x","public":true}]}}}`
}

// refused expects a JSON:API error of status whose detail says want.
func (e *env) refused(bearer, method, path, body string, status int, want string) {
	e.t.Helper()
	r := e.do(method, path, "application/vnd.api+json", body, "Bearer "+bearer)
	errs, _ := r.body["errors"].([]any)
	if r.status != status || len(errs) != 1 || !strings.Contains(errs[0].(map[string]any)["detail"].(string), want) {
		e.t.Fatalf("%s %s: %d %s, want %d saying %q", method, path, r.status, r.raw, status, want)
	}
}

func port(a net.Addr) string { _, p, _ := net.SplitHostPort(a.String()); return p }

func TestUpstreamRefusals(t *testing.T) {
	e := startServer(t, "")
	boss := e.tenantAdmin()
	up := upstreamEcho(t)
	const coll = "/api/v1/entities/apis"
	server, gw := port(e.app.Addr()), port(e.app.GatewayAddr())

	// A tenant admin may not point the gateway inside.
	for _, u := range []string{"http://127.0.0.1:" + server, "http://169.254.169.254", "http://10.1.2.3:8080",
		"http://[::1]:9000", "http://localhost:" + port(up.Listener.Addr())} {
		e.refused(boss, "POST", coll, apiDoc("in", "/in", u), 400, "--gateway-allow-upstream")
	}
	// Nobody may point it at the server's own listeners.
	for _, u := range []string{"http://127.0.0.1:" + server, "http://localhost:" + gw} {
		e.refused(e.admin, "POST", coll, apiDoc("self", "/self", u), 400, "own listener")
	}

	// The operator may use a loopback upstream; a tenant admin may then
	// change the API's resources, but not its upstream.
	e.api("POST", coll, apiDoc("ops", "/ops", up.URL), 201)
	expect(t, "operator's upstream", e.gatewayDo("GET", "/ops/x", "", nil), 200, "")
	e.apiAs(boss, "PATCH", coll+"/ops", `{"data":{"type":"api","id":"ops","attributes":{"resources":[
		{"method":"GET","path":"/y","public":true}]}}}`, 200)
	expect(t, "after the tenant admin's change of resources", e.gatewayDo("GET", "/ops/y", "", nil), 200, "")
	e.apiAs(boss, "PATCH", coll+"/ops", `{"data":{"type":"api","id":"ops","attributes":{"upstream":"`+up.URL+`"}}}`, 200)
	expect(t, "after the tenant admin sent the upstream unchanged", e.gatewayDo("GET", "/ops/y", "", nil), 200, "")
	e.refused(boss, "PATCH", coll+"/ops", `{"data":{"type":"api","id":"ops","attributes":{"upstream":"`+up.URL+`/v2"}}}`,
		400, "--gateway-allow-upstream")
	// A public upstream the tenant admin sets is dialed by their rule.
	e.apiAs(boss, "PATCH", coll+"/ops", `{"data":{"type":"api","id":"ops","attributes":{"upstream":"http://93.184.215.14"}}}`, 200)
	if a, err := e.app.Store().GetAPI(t.Context(), "default", "ops"); err != nil || a.OperatorUpstream {
		t.Fatalf("after the tenant admin's new upstream: %+v, %v", a, err)
	}
}

func TestUpstreamAllowList(t *testing.T) {
	cfg := testConfig(t, "")
	cfg.GatewayAllowUpstream = []string{"127.0.0.1/32"}
	e := startWith(t, cfg)
	boss := e.tenantAdmin()
	up := upstreamEcho(t)
	e.apiAs(boss, "POST", "/api/v1/entities/apis", apiDoc("local", "/local", up.URL), 201)
	expect(t, "allowed upstream", e.gatewayDo("GET", "/local/x", "", nil), 200, "")
	// The allow-list never opens the server's own listeners.
	e.refused(boss, "POST", "/api/v1/entities/apis", apiDoc("self", "/self", "http://127.0.0.1:"+port(e.app.Addr())),
		400, "own listener")
}

// One tenant's API cannot capture requests meant for another's, and a
// public resource never receives the caller's token.
func TestGatewayContextClash(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		up := upstreamEcho(t)
		e.createOrdersAPI(up.URL) // default tenant: /orders/v1
		e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"acme","attributes":{"name":"Acme"}}}`, 201)
		for _, cx := range []string{"/orders", "/Orders/v1", "/orders/v1/items"} {
			e.refused(e.admin, "POST", "/acme/api/v1/entities/apis", apiDoc("grab", cx, up.URL), 409, `"/orders/v1"`)
		}
		e.refused(e.admin, "POST", "/api/v1/entities/apis", apiDoc("twin", "/ORDERS/V1", up.URL), 409, `context "/ORDERS/V1"`)

		// acme's public resource gets no token of the default tenant.
		e.api("POST", "/acme/api/v1/entities/apis", apiDoc("shop", "/shop", up.URL), 201)
		tok := e.passwordToken("orders:read").str("access_token")
		r := e.gatewayDo("GET", "/shop/x", tok, nil)
		expect(t, "public resource of another tenant", r, 200, "")
		if h := r.body["header"].(map[string]any); h["Authorization"] != nil {
			t.Fatalf("acme's upstream received the caller's Authorization: %v", h["Authorization"])
		}
	})
}

// A remote gateway applies the rule with its own listeners: an upstream
// the key manager could not know to be one of them is refused when the
// gateway dials it.
func TestRemoteGatewayOwnListeners(t *testing.T) {
	e := startServer(t, "")
	rg := startRemoteGateway(t, e.base, e.base)
	e.api("POST", "/api/v1/entities/apis", `{"data":{"type":"api","id":"ops","attributes":{"context":"/ops",`+
		`"upstream":"http://`+rg.OpsAddr().String()+`","resources":[{"method":"GET","path":"/healthz","public":true}]}}}`, 201)
	get := func() *response {
		req, _ := http.NewRequest("GET", rg.URL()+"/ops/healthz", nil)
		return doReq(t, req)
	}
	within(t, 3*time.Second, "the remote gateway's own ops listener", get, 502)
}
