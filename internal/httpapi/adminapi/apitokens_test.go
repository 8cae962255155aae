package adminapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/token"
)

func TestAPITokenStatusCodes(t *testing.T) {
	e := newEnv(t)
	acmeAdmin := e.jwt("acme", "alice", "tollgate:admin")
	e.must(e.do("POST", "/acme/api/v1/entities/scopes", acmeAdmin, `{"data":{"type":"scope","id":"orders:read"}}`), 201)
	e.must(e.do("POST", "/acme/api/v1/entities/scopes", acmeAdmin, `{"data":{"type":"scope","id":"orders:write"}}`), 201)
	e.must(e.do("POST", "/acme/api/v1/entities/roles", acmeAdmin, `{"data":{"type":"role","id":"reader","attributes":{"scopes":["orders:read"]}}}`), 201)
	for _, u := range []string{"john", "jane"} {
		e.must(e.do("POST", "/acme/api/v1/entities/users", acmeAdmin, `{"data":{"type":"user","id":"`+u+`","attributes":{"roles":["reader"]}}}`), 201)
	}
	john := e.jwt("acme", "john", "orders:read")
	otherAdmin := e.jwt("other", "root", "tollgate:admin")
	created := e.must(e.do("POST", "/acme/api/v1/entities/users/john/apiTokens", john, `{"data":{"type":"apiToken","id":"ci"}}`), 201)
	res := created.resource(t)
	johnsAPI, _ := res.Attributes["bearerToken"].(string)
	if !strings.HasPrefix(johnsAPI, "tgp_") || res.Links.Self != "/acme/api/v1/entities/users/john/apiTokens/ci" {
		t.Fatalf("created %s", created.raw)
	}
	if loc := created.header.Get("Location"); loc != res.Links.Self {
		t.Errorf("Location = %q", loc)
	}

	const coll = "/acme/api/v1/entities/users/john/apiTokens"
	future := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	tests := []struct {
		name, method, path, token, body, contentType string
		status                                       int
		pointer                                      string
	}{
		{name: "no token", method: "GET", path: coll, status: 401},
		{name: "malformed api token", method: "GET", path: coll, token: "tgp_nope", status: 401},
		{name: "checksum-failing api token", method: "GET", path: coll, token: token.Tampered(johnsAPI), status: 401},
		{name: "api token in another tenant", method: "GET", path: "/other/api/v1/entities/users/john/apiTokens", token: johnsAPI, status: 401},
		{name: "own list with own api token", method: "GET", path: coll, token: johnsAPI, status: 200},
		{name: "own create with own api token", method: "POST", path: coll, token: johnsAPI,
			body: `{"data":{"type":"apiToken","id":"second","attributes":{"expiresAt":"` + future + `","scopes":["orders:read"],"description":"d"}}}`, status: 201},
		{name: "another user's tokens", method: "GET", path: "/acme/api/v1/entities/users/jane/apiTokens", token: john, status: 403},
		{name: "create for another user", method: "POST", path: "/acme/api/v1/entities/users/jane/apiTokens", token: johnsAPI,
			body: `{"data":{"type":"apiToken","id":"x"}}`, status: 403},
		{name: "admin of another tenant", method: "GET", path: coll, token: otherAdmin, status: 401},
		{name: "tenant admin", method: "GET", path: coll, token: acmeAdmin, status: 200},
		{name: "bootstrap", method: "GET", path: "/acme/api/entities/users/jane/apiTokens", token: bootstrapToken, status: 200},
		{name: "unknown user", method: "GET", path: "/acme/api/v1/entities/users/nobody/apiTokens", token: acmeAdmin, status: 404},
		{name: "unknown user create", method: "POST", path: "/acme/api/v1/entities/users/nobody/apiTokens", token: acmeAdmin,
			body: `{"data":{"type":"apiToken","id":"x"}}`, status: 404},
		{name: "unknown tenant", method: "GET", path: "/nope/api/v1/entities/users/john/apiTokens", token: bootstrapToken, status: 404},
		{name: "unknown token", method: "GET", path: coll + "/missing", token: john, status: 404},
		{name: "delete unknown token", method: "DELETE", path: coll + "/missing", token: john, status: 404},
		{name: "duplicate id", method: "POST", path: coll, token: john, body: `{"data":{"type":"apiToken","id":"ci"}}`, status: 409},
		{name: "wrong media type", method: "POST", path: coll, token: john, body: `{"data":{"type":"apiToken","id":"x"}}`, contentType: "text/plain", status: 415},
		{name: "malformed JSON", method: "POST", path: coll, token: john, body: `{"data":`, status: 400, pointer: ""},
		{name: "missing data", method: "POST", path: coll, token: john, body: `{}`, status: 400, pointer: "/data"},
		{name: "wrong type", method: "POST", path: coll, token: john, body: `{"data":{"type":"apiTokens","id":"x"}}`, status: 400, pointer: "/data/type"},
		{name: "bad id", method: "POST", path: coll, token: john, body: `{"data":{"type":"apiToken","id":"a b"}}`, status: 400, pointer: "/data/id"},
		{name: "scope not held", method: "POST", path: coll, token: john,
			body: `{"data":{"type":"apiToken","id":"x","attributes":{"scopes":["orders:write"]}}}`, status: 400, pointer: "/data/attributes/scopes"},
		{name: "past expiry", method: "POST", path: coll, token: john,
			body: `{"data":{"type":"apiToken","id":"x","attributes":{"expiresAt":"2001-01-01T00:00:00Z"}}}`, status: 400, pointer: "/data/attributes/expiresAt"},
		{name: "bad expiry", method: "POST", path: coll, token: john,
			body: `{"data":{"type":"apiToken","id":"x","attributes":{"expiresAt":1}}}`, status: 400, pointer: "/data/attributes/expiresAt"},
		{name: "bad page size", method: "GET", path: coll + "?page[size]=0", token: john, status: 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ct := tc.contentType
			if ct == "" {
				ct = "application/vnd.api+json"
			}
			r := e.doType(tc.method, tc.path, tc.token, tc.body, ct)
			e.must(r, tc.status)
			if strings.Contains(string(r.raw), "bearerToken") && tc.method != "POST" {
				t.Fatalf("secret in a read: %s", r.raw)
			}
			if tc.status < 400 {
				return
			}
			if len(r.doc.Errors) != 1 || r.doc.Errors[0].Status != fmt.Sprint(tc.status) {
				t.Fatalf("errors = %s", r.raw)
			}
			if tc.status == 400 && tc.pointer != "" {
				if src := r.doc.Errors[0].Source; src == nil || src.Pointer != tc.pointer {
					t.Errorf("source = %+v, want pointer %q", src, tc.pointer)
				}
			}
		})
	}

	list := e.must(e.do("GET", coll, john, ""), 200).resources(t)
	if len(list) != 2 || list[0].ID != "ci" || list[1].ID != "second" {
		t.Fatalf("after the bad requests: %+v", list)
	}
	// Delete: 204, then the token is refused at once.
	e.must(e.do("DELETE", coll+"/ci", john, ""), 204)
	e.must(e.do("GET", coll, johnsAPI, ""), 401)
}
