package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestConsoleAPIs: an API made in the console is routed by the gateway,
// and "test a path" tells what the gateway then does.
func TestConsoleAPIs(t *testing.T) {
	cfg := testConfig(t, "")
	// ada is a tenant admin: her upstream must be public or allowed.
	cfg.GatewayAllowUpstream = []string{"127.0.0.1"}
	e := startWith(t, cfg)
	up := upstreamEcho(t)
	b := e.consoleAdmin(t)

	form := url.Values{"id": {"orders"}, "context": {"/orders/v1"}, "upstream": {up.URL},
		"resources": {"GET /items/{id} orders:read\r\nget /items/new public\r\n\r\nPUT /items/{id} orders:read orders:write\r\n"}}
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("resources", "GET /items/{id} orders:read\nDELETE")
	if p := b.consolePost("/console/apis", bad); p.status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.body, `<small id="f-resources-note" class="field-error">line 2: want METHOD PATH [SCOPE…] or METHOD PATH public</small>`) {
		t.Errorf("a resource line without a path: %d %s", p.status, p.body)
	}
	bad.Set("resources", "GET /items/{id} orders:delete")
	if p := b.consolePost("/console/apis", bad); p.status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.body, `class="field-error">unknown scope &#34;orders:delete&#34;`) {
		t.Errorf("a resource with an unknown scope: %d %s", p.status, p.body)
	}
	e.api("GET", "/api/v1/entities/apis/orders", "", 404)

	p := b.consolePost("/console/apis", form)
	if p.status != http.StatusSeeOther || p.location != "/console/apis/orders?done=created" {
		t.Fatalf("create API: %d %s", p.status, p.body)
	}
	if p := b.get(p.location); !strings.Contains(p.body, "API created") ||
		!strings.Contains(p.body, "GET /items/{id} orders:read\nGET /items/new public\nPUT /items/{id} orders:read orders:write\n</textarea>") {
		t.Errorf("the API's page: %s", p.body)
	}
	if p := b.get("/console/apis"); !strings.Contains(p.body, `<a href="/console/apis/orders">orders</a></td><td><code>/orders/v1</code>`) {
		t.Errorf("APIs list: %s", p.body)
	}
	// Another API may not take the same context, in any letter case.
	clash := url.Values{"id": {"shop"}, "context": {"/ORDERS/v1"}, "upstream": {up.URL}, "resources": {"GET /x"}}
	if p := b.consolePost("/console/apis", clash); p.status != http.StatusConflict ||
		!strings.Contains(p.body, `<small id="f-context-note" class="field-error">context &#34;/ORDERS/v1&#34; clashes with &#34;/orders/v1&#34;`) {
		t.Errorf("clashing context: %d %s", p.status, p.body)
	}

	// Each test's answer, and what the gateway really does.
	read := e.passwordToken("orders:read").str("access_token")
	tests := []struct {
		name, method, path, shows string
		gatewayStatus             int
	}{
		{"parameter", "GET", "/orders/v1/items/42", `Matches the resource <strong><code>GET /items/{id}</code></strong> of the API orders.</p>
<p>It needs a valid token of this tenant with every one of the scopes: <code>orders:read</code>`, http.StatusOK},
		{"a literal wins", "GET", "/orders/v1/items/new", `<code>GET /items/new</code></strong> of the API orders.</p>
<p>It is <strong>public</strong>`, http.StatusOK},
		{"every scope", "PUT", "/orders/v1/items/42", `every one of the scopes: <code>orders:read</code> <code>orders:write</code>`, http.StatusForbidden},
		{"another method", "DELETE", "/orders/v1/items/42", `405 Method Not Allowed</strong>: this path has resources only for GET, PUT.`, http.StatusMethodNotAllowed},
		{"no resource", "GET", "/orders/v1/carts", `404 Not Found</strong>: no resource of this API matches.`, http.StatusNotFound},
		{"dot segments", "GET", "/orders/v1/items/%2e%2e", `400 Bad Request</strong>: the gateway refuses to read this path`, http.StatusBadRequest},
	}
	for _, tc := range tests {
		p := b.get("/console/apis/orders?" + url.Values{"method": {tc.method}, "path": {tc.path}}.Encode())
		if p.status != http.StatusOK || !strings.Contains(p.body, `<article id="test-result" role="status">`) || !strings.Contains(p.body, tc.shows) {
			t.Errorf("%s: test a path: %d %s", tc.name, p.status, p.body)
		}
		if g := e.gatewayDo(tc.method, tc.path, read, nil); g.status != tc.gatewayStatus {
			t.Errorf("%s: the gateway answered %d, want %d: %s", tc.name, g.status, tc.gatewayStatus, g.raw)
		}
	}

	// Edit: add a resource; the gateway routes it at once.
	form.Set("resources", form.Get("resources")+"DELETE /items/{id} orders:write")
	if p := b.consolePost("/console/apis/orders", form); p.status != http.StatusSeeOther || p.location != "/console/apis/orders?done=updated" {
		t.Fatalf("edit API: %d %s", p.status, p.body)
	}
	if p := b.get("/console/apis/orders?method=DELETE&path=/orders/v1/items/42"); !strings.Contains(p.body, "<code>DELETE /items/{id}</code>") {
		t.Errorf("test after the edit: %s", p.body)
	}
	if g := e.gatewayDo("DELETE", "/orders/v1/items/42", read, nil); g.status != http.StatusForbidden {
		t.Errorf("gateway after the edit: %d %s", g.status, g.raw)
	}

	// Delete: the gateway stops routing it.
	if p := b.consolePost("/console/apis/orders/delete", url.Values{}); p.status != http.StatusSeeOther || p.location != "/console/apis?done=deleted" {
		t.Fatalf("delete API: %d %s", p.status, p.body)
	}
	if g := e.gatewayDo("GET", "/orders/v1/items/new", "", nil); g.status != http.StatusNotFound {
		t.Errorf("gateway after the delete: %d", g.status)
	}
	if p := b.get("/console/apis/orders"); p.status != http.StatusNotFound {
		t.Errorf("deleted API's page: %d", p.status)
	}
}
