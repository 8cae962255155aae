package adminapi_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/token"
)

// feed calls the gateway feed (plain JSON, not JSON:API) and returns the
// status.
func (e *env) feed(method, path, tok, body string) int {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// createGatewayCredential creates credential id with the bootstrap token
// and returns the credential string.
func (e *env) createGatewayCredential(id string) string {
	e.t.Helper()
	created := e.must(e.do("POST", "/api/v1/entities/gatewayCredentials", bootstrapToken,
		`{"data":{"type":"gatewayCredential","id":"`+id+`","attributes":{"description":"edge node"}}}`), 201)
	res := created.resource(e.t)
	raw, _ := res.Attributes["bearerToken"].(string)
	if !token.CheckOpaque(raw, token.PrefixGateway) || res.Links.Self != "/api/v1/entities/gatewayCredentials/"+id {
		e.t.Fatalf("created %s", created.raw)
	}
	return raw
}

var feedPaths = []string{"/api/v1/gateway/apis", "/api/v1/gateway/keys/acme",
	"/api/v1/gateway/revocations?after=0&limit=10&waitMs=0",
	"/api/v1/gateway/changes?after=0&limit=10&waitMs=0", "/api/v1/gateway/changes"}

// A gateway credential: made by the bootstrap token only, shown once,
// reads the feed, and stops working at once when deleted.
func TestGatewayCredentialLifecycle(t *testing.T) {
	e := newEnv(t)
	const coll = "/api/v1/entities/gatewayCredentials"
	acmeAdmin := e.jwt("acme", "alice", "tollgate:admin")
	defaultAdmin := e.jwt("default", "root", "tollgate:admin")
	body := `{"data":{"type":"gatewayCredential","id":"edge-1"}}`
	e.must(e.do("POST", coll, defaultAdmin, body), 403)
	if s := e.feed("POST", "/acme"+coll, acmeAdmin, body); s != 404 { // server-wide: no tenant paths
		t.Errorf("tenant path: %d", s)
	}
	e.must(e.do("POST", coll, "", body), 401)

	raw := e.createGatewayCredential("edge-1")
	e.must(e.do("POST", coll, bootstrapToken, body), 409)
	e.must(e.do("POST", coll, bootstrapToken, `{"data":{"type":"gatewayCredential","id":".hidden"}}`), 400)
	// Listed and read without the secret.
	list := e.must(e.do("GET", coll, bootstrapToken, ""), 200)
	got := e.must(e.do("GET", coll+"/edge-1", bootstrapToken, ""), 200)
	for _, r := range []*response{list, got} {
		if strings.Contains(string(r.raw), raw) || strings.Contains(string(r.raw), "bearerToken") {
			t.Fatalf("secret shown again: %s", r.raw)
		}
	}
	if l := list.resources(t); len(l) != 1 || l[0].Attributes["description"] != "edge node" {
		t.Fatalf("list: %s", list.raw)
	}
	e.must(e.do("GET", coll, defaultAdmin, ""), 403)

	for _, p := range feedPaths {
		if s := e.feed("GET", p, raw, ""); s != 200 {
			t.Errorf("GET %s with a gateway credential: %d", p, s)
		}
	}
	verify := `{"tenant":"acme","token":"tgp_nope"}`
	if s := e.feed("POST", "/api/v1/gateway/apitokens/verify", raw, verify); s != 401 {
		t.Errorf("verify an unknown API token: %d, want the token's 401", s)
	}
	// A credential with a wrong checksum, or unknown, is refused.
	forged, _ := token.NewOpaque(token.PrefixGateway)
	for _, bad := range []string{token.Tampered(raw), forged} {
		if s := e.feed("GET", feedPaths[0], bad, ""); s != 401 {
			t.Errorf("bad credential: %d", s)
		}
	}

	e.must(e.do("DELETE", coll+"/edge-1", bootstrapToken, ""), 204)
	for _, p := range feedPaths {
		if s := e.feed("GET", p, raw, ""); s != 401 {
			t.Errorf("GET %s with a deleted gateway credential: %d, want 401 at once", p, s)
		}
	}
	e.must(e.do("DELETE", coll+"/edge-1", bootstrapToken, ""), 404)
	// The id is free again, with a new secret; the old one stays refused.
	fresh := e.createGatewayCredential("edge-1")
	if e.feed("GET", feedPaths[0], fresh, "") != 200 || e.feed("GET", feedPaths[0], raw, "") != 401 {
		t.Fatal("re-created credential")
	}
}

// A gateway credential reads the gateway feed and nothing else: every
// other admin endpoint refuses it, whatever the tenant or body.
func TestGatewayCredentialOnlyReadsTheFeed(t *testing.T) {
	e := newEnv(t)
	raw := e.createGatewayCredential("edge-1")
	e.must(e.do("POST", "/acme/api/v1/entities/users", bootstrapToken, `{"data":{"type":"user","id":"john"}}`), 201)
	user := `{"data":{"type":"user","id":"x"}}`
	endpoints := []struct{ method, path, body string }{
		{"GET", "/api/v1/entities/tenants", ""},
		{"POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"evil","attributes":{"name":"e"}}}`},
		{"GET", "/api/v1/entities/tenants/acme", ""},
		{"PATCH", "/api/v1/entities/tenants/acme", `{"data":{"type":"tenant","id":"acme","attributes":{"name":"e"}}}`},
		{"DELETE", "/api/v1/entities/tenants/acme", ""},
		{"GET", "/api/v1/entities/gatewayCredentials", ""},
		{"POST", "/api/v1/entities/gatewayCredentials", `{"data":{"type":"gatewayCredential","id":"more"}}`},
		{"GET", "/api/v1/entities/gatewayCredentials/edge-1", ""},
		{"DELETE", "/api/v1/entities/gatewayCredentials/edge-1", ""},
		{"GET", "/api/entities/gatewayCredentials", ""},
		{"GET", "/acme/api/v1/entities/users", ""},
		{"POST", "/acme/api/v1/entities/users", user},
		{"POST", "/api/v1/entities/users", user},
		{"GET", "/acme/api/v1/entities/users/john", ""},
		{"PATCH", "/acme/api/v1/entities/users/john", `{"data":{"type":"user","id":"john","attributes":{"disabled":true}}}`},
		{"DELETE", "/acme/api/v1/entities/users/john", ""},
		{"GET", "/acme/api/entities/roles", ""},
		{"POST", "/acme/api/v1/entities/roles", `{"data":{"type":"role","id":"r"}}`},
		{"GET", "/acme/api/v1/entities/scopes", ""},
		{"POST", "/acme/api/v1/entities/scopes", `{"data":{"type":"scope","id":"s"}}`},
		{"GET", "/acme/api/v1/entities/applications", ""},
		{"POST", "/acme/api/v1/entities/applications", `{"data":{"type":"application","attributes":{"name":"a"}}}`},
		{"POST", "/acme/api/v1/entities/applications/x/secret", ""},
		{"GET", "/acme/api/v1/entities/apis", ""},
		{"POST", "/acme/api/v1/entities/apis", `{"data":{"type":"api","id":"a","attributes":{"context":"/a","upstream":"http://example.com"}}}`},
		{"DELETE", "/acme/api/v1/entities/apis/a", ""},
		{"GET", "/acme/api/v1/entities/users/john/apiTokens", ""},
		{"POST", "/acme/api/v1/entities/users/john/apiTokens", `{"data":{"type":"apiToken","id":"t"}}`},
		{"DELETE", "/acme/api/v1/entities/users/john/apiTokens/t", ""},
		{"GET", "/acme/api/v1/entities/embedSettings", ""},
		{"PATCH", "/acme/api/v1/entities/embedSettings", `{"data":{"type":"embedSettings","attributes":{"enabled":true}}}`},
		{"POST", "/acme/api/v1/entities/embedSettings/secret", ""},
		{"POST", "/acme/api/v1/actions/keys/rotate", ""},
		{"POST", "/api/v1/actions/keys/rotate", ""},
		{"POST", "/acme/api/v1/actions/users/import", "id,password\nx,y\n"},
		{"GET", "/acme/api/v1/audit", ""},
		{"GET", "/api/v1/audit", ""},
		{"GET", "/acme/api/v1/stats/tokens", ""},
		{"GET", "/acme/api/v1/stats/applications/x/users", ""},
	}
	for _, ep := range endpoints {
		s := e.feed(ep.method, ep.path, raw, ep.body)
		if s != http.StatusForbidden && s != http.StatusUnauthorized {
			t.Errorf("%s %s with a gateway credential: %d, want 403 or 401", ep.method, ep.path, s)
		}
	}
	// Nothing was changed, and the credential still reads the feed.
	e.must(e.do("GET", "/acme/api/v1/entities/users/john", bootstrapToken, ""), 200)
	e.must(e.do("GET", "/api/v1/entities/gatewayCredentials/edge-1", bootstrapToken, ""), 200)
	e.must(e.do("GET", "/api/v1/entities/tenants/acme", bootstrapToken, ""), 200)
	if s := e.feed("GET", feedPaths[0], raw, ""); s != 200 {
		t.Fatalf("feed after the attempts: %d", s)
	}
}
