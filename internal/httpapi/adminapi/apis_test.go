package adminapi_test

import (
	"net/http"
	"testing"
)

func TestAPIStatusCodes(t *testing.T) {
	e := newEnv(t)
	acme := e.jwt("acme", "alice", "tollgate:admin")
	e.must(e.do("POST", "/acme/api/v1/entities/scopes", acme, `{"data":{"type":"scope","id":"orders:read"}}`), 201)
	const coll = "/acme/api/v1/entities/apis"
	body := func(id, context, upstream, resources string) string {
		return `{"data":{"type":"api","id":"` + id + `","attributes":{"context":"` + context + `","upstream":"` + upstream +
			`","resources":` + resources + `}}}`
	}
	good := `[{"method":"GET","path":"/items/{id}","scopes":["orders:read"]}]`
	// An address literal: a tenant admin's upstream must be public, and a
	// name would need DNS.
	const pub = "http://93.184.215.14"
	e.must(e.do("POST", coll, acme, body("orders", "/orders/v1", "http://93.184.215.14:9000", good)), 201)
	got := e.must(e.do("GET", coll+"/orders", acme, ""), 200).resource(t)
	if got.Attributes["context"] != "/orders/v1" {
		t.Fatalf("got %v", got.Attributes)
	}
	tests := []struct {
		name, method, path, body string
		status                   int
	}{
		{"context registered twice", "POST", coll, body("orders2", "/orders/v1", pub, good), 409},
		{"context in other letter case", "POST", coll, body("orders2", "/Orders/v1", pub, good), 409},
		{"upstream on loopback", "POST", coll, body("a", "/a", "http://127.0.0.1:9000", good), 400},
		{"update to an upstream on loopback", "PATCH", coll + "/orders", `{"data":{"type":"api","id":"orders","attributes":{"upstream":"http://[::1]"}}}`, 400},
		{"id twice", "POST", coll, body("orders", "/other", pub, good), 409},
		{"upstream not http", "POST", coll, body("a", "/a", "file:///etc/passwd", good), 400},
		{"upstream with credentials", "POST", coll, body("a", "/a", "http://u:p@93.184.215.14", good), 400},
		{"context without slash", "POST", coll, body("a", "a", pub, good), 400},
		{"context with dot segment", "POST", coll, body("a", "/a/../b", pub, good), 400},
		{"context with escape", "POST", coll, body("a", "/a%2fb", pub, good), 400},
		{"context with double slash", "POST", coll, body("a", "/a//b", pub, good), 400},
		{"unknown scope", "POST", coll, body("a", "/a", pub, `[{"method":"GET","path":"/","scopes":["nope"]}]`), 400},
		{"bad method", "POST", coll, body("a", "/a", pub, `[{"method":"BREW","path":"/"}]`), 400},
		{"same template twice", "POST", coll, body("a", "/a", pub,
			`[{"method":"GET","path":"/i/{id}"},{"method":"GET","path":"/i/{x}"}]`), 400},
		{"public with scopes", "POST", coll, body("a", "/a", pub,
			`[{"method":"GET","path":"/","scopes":["orders:read"],"public":true}]`), 400},
		{"other tenant's admin", "GET", "/other/api/v1/entities/apis", "", 401},
		{"update to bad upstream", "PATCH", coll + "/orders", `{"data":{"type":"api","id":"orders","attributes":{"upstream":"ftp://x"}}}`, 400},
		{"update", "PATCH", coll + "/orders", `{"data":{"type":"api","id":"orders","attributes":{"upstream":"https://93.184.215.14/base"}}}`, 200},
		{"delete unknown", "DELETE", coll + "/nope", "", 404},
		{"delete", "DELETE", coll + "/orders", "", 204},
		{"get deleted", "GET", coll + "/orders", "", 404},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e.must(e.do(tc.method, tc.path, acme, tc.body), tc.status)
		})
	}
}

// The gateway feed spans tenants: tenant admins do not read it (gateway
// credentials do: gatewaycreds_test.go).
func TestGatewayFeedNeedsBootstrap(t *testing.T) {
	e := newEnv(t)
	get := func(path, tok string) int {
		req, _ := http.NewRequest("GET", e.url+path, nil)
		if tok != "" {
			req.Header.Set("Authorization", "Bearer "+tok)
		}
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	acme := e.jwt("acme", "alice", "tollgate:admin")
	for _, p := range feedPaths {
		if got := get(p, bootstrapToken); got != 200 {
			t.Errorf("GET %s with the bootstrap token: %d", p, got)
		}
		// A tenant admin is refused (401 or 403 depending on the tenant
		// the path resolves to); so is no token.
		for _, tok := range []string{acme, ""} {
			if got := get(p, tok); got != 401 && got != 403 {
				t.Errorf("GET %s: %d, want a refusal", p, got)
			}
		}
	}
	for _, q := range []string{"/api/v1/gateway/revocations?after=x", "/api/v1/gateway/changes?after=-1&limit=10&waitMs=0",
		"/api/v1/gateway/changes?after=0&limit=0&waitMs=0", "/api/v1/gateway/changes?after=0&limit=10&waitMs=-5"} {
		if got := get(q, bootstrapToken); got != 400 {
			t.Errorf("bad query %s: %d", q, got)
		}
	}
}
