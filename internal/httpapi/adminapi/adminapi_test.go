package adminapi_test

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

func TestStatusCodes(t *testing.T) {
	e := newEnv(t)
	acmeAdmin := e.jwt("acme", "alice", "openid tollgate:admin")
	acmeUser := e.jwt("acme", "bob", "orders:read")
	defaultAdmin := e.jwt("default", "root", "tollgate:admin")
	e.must(e.do("POST", "/acme/api/v1/entities/scopes", acmeAdmin, `{"data":{"type":"scope","id":"orders:read"}}`), 201)

	tests := []struct {
		name, method, path, token, body string
		contentType                     string
		status                          int
		pointer                         string
	}{
		{name: "no token", method: "GET", path: "/api/v1/entities/users", status: 401},
		{name: "garbled token", method: "GET", path: "/api/v1/entities/users", token: "garbage", status: 401},
		{name: "garbled jwt", method: "GET", path: "/acme/api/v1/entities/users", token: acmeAdmin[:len(acmeAdmin)-4] + "AAAA", status: 401},
		{name: "wrong bootstrap", method: "GET", path: "/api/v1/entities/tenants", token: bootstrapToken + "x", status: 401},
		{name: "non-admin token", method: "GET", path: "/acme/api/v1/entities/users", token: acmeUser, status: 403},
		{name: "admin of another tenant", method: "GET", path: "/other/api/v1/entities/users", token: acmeAdmin, status: 401},
		{name: "admin of another tenant on default", method: "GET", path: "/api/v1/entities/scopes", token: acmeAdmin, status: 401},
		{name: "tenant admin on tenants", method: "GET", path: "/api/v1/entities/tenants", token: defaultAdmin, status: 403},
		{name: "unknown tenant", method: "GET", path: "/nope/api/v1/entities/users", token: bootstrapToken, status: 404},
		{name: "unknown user", method: "GET", path: "/acme/api/v1/entities/users/nobody", token: acmeAdmin, status: 404},
		{name: "unknown application", method: "POST", path: "/acme/api/v1/entities/applications/nope/secret", token: acmeAdmin, status: 404},
		{name: "duplicate scope", method: "POST", path: "/acme/api/v1/entities/scopes", token: acmeAdmin,
			body: `{"data":{"type":"scope","id":"orders:read"}}`, status: 409},
		{name: "duplicate tenant", method: "POST", path: "/api/v1/entities/tenants", token: bootstrapToken,
			body: `{"data":{"type":"tenant","id":"acme"}}`, status: 409},
		{name: "wrong media type", method: "POST", path: "/acme/api/v1/entities/scopes", token: acmeAdmin,
			body: `{"data":{"type":"scope","id":"x"}}`, contentType: "text/plain", status: 415},
		{name: "malformed body", method: "POST", path: "/acme/api/v1/entities/scopes", token: acmeAdmin,
			body: `{"data":`, status: 400, pointer: ""},
		{name: "wrong type", method: "POST", path: "/acme/api/v1/entities/scopes", token: acmeAdmin,
			body: `{"data":{"type":"role","id":"x"}}`, status: 400, pointer: "/data/type"},
		{name: "id mismatch", method: "PATCH", path: "/acme/api/v1/entities/scopes/orders:read", token: acmeAdmin,
			body: `{"data":{"type":"scope","id":"other"}}`, status: 400, pointer: "/data/id"},
		{name: "missing id", method: "POST", path: "/acme/api/v1/entities/users", token: acmeAdmin,
			body: `{"data":{"type":"user","attributes":{}}}`, status: 400, pointer: "/data/id"},
		{name: "bad email", method: "POST", path: "/acme/api/v1/entities/users", token: acmeAdmin,
			body: `{"data":{"type":"user","id":"u","attributes":{"email":"nope"}}}`, status: 400, pointer: "/data/attributes/email"},
		{name: "reserved tenant", method: "POST", path: "/api/v1/entities/tenants", token: bootstrapToken,
			body: `{"data":{"type":"tenant","id":"api"}}`, status: 400, pointer: "/data/id"},
		{name: "delete default tenant", method: "DELETE", path: "/api/v1/entities/tenants/default", token: bootstrapToken, status: 400},
		{name: "a built-in client's id", method: "POST", path: "/acme/api/v1/entities/applications", token: acmeAdmin,
			body: `{"data":{"type":"application","id":"tollgate-console","attributes":{"name":"x"}}}`, status: 400, pointer: "/data/attributes/clientId"},
		{name: "a tenant admin choosing a client id", method: "POST", path: "/acme/api/v1/entities/applications", token: acmeAdmin,
			body: `{"data":{"type":"application","id":"acme-app","attributes":{"name":"x"}}}`, status: 400, pointer: "/data/attributes/clientId"},
		{name: "a client id with a slash", method: "POST", path: "/acme/api/v1/entities/applications", token: bootstrapToken,
			body: `{"data":{"type":"application","attributes":{"name":"x","clientId":"a/b"}}}`, status: 400, pointer: "/data/attributes/clientId"},
		{name: "a short client secret", method: "POST", path: "/acme/api/v1/entities/applications", token: acmeAdmin,
			body: `{"data":{"type":"application","attributes":{"name":"x","clientSecret":"short"}}}`, status: 400, pointer: "/data/attributes/clientSecret"},
		{name: "bad ttl", method: "POST", path: "/acme/api/v1/entities/applications", token: acmeAdmin,
			body: `{"data":{"type":"application","attributes":{"name":"x","accessTokenTtl":-1}}}`, status: 400, pointer: "/data/attributes/accessTokenTtl"},
		{name: "bad page size", method: "GET", path: "/acme/api/v1/entities/users?page[size]=0", token: acmeAdmin, status: 400},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ct := tc.contentType
			if ct == "" {
				ct = "application/vnd.api+json"
			}
			r := e.doType(tc.method, tc.path, tc.token, tc.body, ct)
			e.must(r, tc.status)
			if len(r.doc.Errors) != 1 || r.doc.Errors[0].Status != fmt.Sprint(tc.status) {
				t.Fatalf("errors = %s", r.raw)
			}
			if tc.status == 401 && r.header.Get("WWW-Authenticate") != `Bearer realm="tollgate"` {
				t.Errorf("WWW-Authenticate = %q", r.header.Get("WWW-Authenticate"))
			}
			if tc.status == 400 && tc.pointer != "" {
				if src := r.doc.Errors[0].Source; src == nil || src.Pointer != tc.pointer {
					t.Errorf("source = %+v, want pointer %q", src, tc.pointer)
				}
			}
		})
	}
}

func TestNothingStoredAfterBadRequest(t *testing.T) {
	e := newEnv(t)
	tok := e.jwt("acme", "alice", "tollgate:admin")
	e.must(e.do("POST", "/acme/api/v1/entities/users", tok,
		`{"data":{"type":"user","id":"carol","attributes":{"password":"carol-pw","roles":["nope"]}}}`), 400)
	e.must(e.do("GET", "/acme/api/v1/entities/users/carol", tok, ""), 404)

	r := e.must(e.do("POST", "/acme/api/v1/entities/applications", tok,
		`{"data":{"type":"application","attributes":{"name":"shop","scopes":["nope"]}}}`), 400)
	if p := r.doc.Errors[0].Source; p == nil || p.Pointer != "/data/attributes/scopes" {
		t.Errorf("source = %+v", p)
	}
	e.must(e.do("POST", "/acme/api/v1/entities/roles", tok,
		`{"data":{"type":"role","id":"reader","attributes":{"scopes":["nope"]}}}`), 400)
	e.must(e.do("GET", "/acme/api/v1/entities/roles/reader", tok, ""), 404)
	if apps := e.must(e.do("GET", "/acme/api/v1/entities/applications", tok, ""), 200).resources(t); len(apps) != 0 {
		t.Errorf("applications after a refused create: %v", apps)
	}
}

func TestPaging(t *testing.T) {
	e := newEnv(t)
	tok := e.jwt("acme", "alice", "tollgate:admin")
	want := map[string]bool{domain.AdminScope: true}
	for i := range 5 {
		id := fmt.Sprintf("s%d", i)
		want[id] = true
		e.must(e.do("POST", "/acme/api/v1/entities/scopes", tok, `{"data":{"type":"scope","id":"`+id+`"}}`), 201)
	}
	seen := map[string]bool{}
	next, pages := "/acme/api/v1/entities/scopes?page[size]=2", 0
	for next != "" {
		r := e.must(e.do("GET", next, tok, ""), 200)
		pages++
		for _, res := range r.resources(t) {
			if seen[res.ID] {
				t.Errorf("%s on two pages", res.ID)
			}
			seen[res.ID] = true
			if res.Links.Self != "/acme/api/v1/entities/scopes/"+res.ID {
				t.Errorf("links.self = %q", res.Links.Self)
			}
		}
		next = r.doc.Links.Next
		if pages > 10 {
			t.Fatal("paging does not end")
		}
	}
	if len(seen) != len(want) || pages != 3 {
		t.Errorf("saw %v in %d pages, want %v in 3", seen, pages, want)
	}
}

func TestApplicationSecretShownOnce(t *testing.T) {
	e := newEnv(t)
	tok := e.jwt("acme", "alice", "tollgate:admin")
	e.must(e.do("POST", "/acme/api/v1/entities/scopes", tok, `{"data":{"type":"scope","id":"orders:read"}}`), 201)
	r := e.must(e.do("POST", "/acme/api/v1/entities/applications", tok,
		`{"data":{"type":"application","attributes":{"name":"shop","scopes":["orders:read"],"defaultScopes":["orders:read"]}}}`), 201)
	app := r.resource(t)
	sec, _ := app.Attributes["clientSecret"].(string)
	if app.ID == "" || app.Attributes["clientId"] != app.ID || !strings.HasPrefix(sec, "tgs_") {
		t.Fatalf("created application %+v", app)
	}
	self := "/acme/api/v1/entities/applications/" + app.ID
	if r.header.Get("Location") != self || app.Links.Self != self {
		t.Errorf("Location %q, links.self %q, want %q", r.header.Get("Location"), app.Links.Self, self)
	}
	if app.Attributes["accessTokenTtl"] != 3600.0 || app.Attributes["refreshTokenTtl"] != 86400.0 {
		t.Errorf("default ttls: %v", app.Attributes)
	}
	stored, err := e.st.GetApplication(context.Background(), "acme", app.ID)
	if err != nil || len(stored.SecretHash) == 0 || strings.Contains(string(stored.SecretHash), sec) {
		t.Fatalf("stored application: %+v, %v", stored, err)
	}

	got := e.must(e.do("GET", self, tok, ""), 200).resource(t)
	if _, ok := got.Attributes["clientSecret"]; ok {
		t.Error("GET shows the secret")
	}
	for _, res := range e.must(e.do("GET", "/acme/api/v1/entities/applications", tok, ""), 200).resources(t) {
		if _, ok := res.Attributes["clientSecret"]; ok {
			t.Error("list shows the secret")
		}
	}
	rot := e.must(e.do("POST", self+"/secret", tok, ""), 200).resource(t)
	sec2, _ := rot.Attributes["clientSecret"].(string)
	if !strings.HasPrefix(sec2, "tgs_") || sec2 == sec || rot.Links.Self != self {
		t.Errorf("rotated: %+v", rot)
	}
	e.mu.Lock()
	var appChanges []string
	for _, c := range e.changed {
		if strings.Contains(c, "/application/") {
			appChanges = append(appChanges, c)
		}
	}
	e.mu.Unlock()
	if got, want := strings.Join(appChanges, ","), "acme/application/"+app.ID+",acme/application/"+app.ID; got != want { // create, rotate
		t.Errorf("application changes caught up = %q, want %q", got, want)
	}

	upd := e.must(e.do("PATCH", self, tok, `{"data":{"type":"application","id":"`+app.ID+`","attributes":{"name":"shop2","accessTokenTtl":60}}}`), 200).resource(t)
	if upd.Attributes["name"] != "shop2" || upd.Attributes["accessTokenTtl"] != 60.0 ||
		fmt.Sprint(upd.Attributes["scopes"]) != "[orders:read]" || upd.Attributes["clientSecret"] != nil {
		t.Errorf("patched: %+v", upd.Attributes)
	}
	e.must(e.do("DELETE", self, tok, ""), 204)
	e.must(e.do("GET", self, tok, ""), 404)
}

func TestTenantIsolation(t *testing.T) {
	e := newEnv(t)
	acme := e.jwt("acme", "alice", "tollgate:admin")
	other := e.jwt("other", "olga", "tollgate:admin")
	e.must(e.do("POST", "/acme/api/v1/entities/scopes", acme, `{"data":{"type":"scope","id":"secret:read"}}`), 201)
	e.must(e.do("POST", "/acme/api/v1/entities/users", acme, `{"data":{"type":"user","id":"john"}}`), 201)

	// Another tenant's token is not a credential here at all.
	e.must(e.do("GET", "/acme/api/v1/entities/scopes/secret:read", other, ""), 401)
	e.must(e.do("GET", "/acme/api/v1/entities/users", other, ""), 401)
	e.must(e.do("DELETE", "/acme/api/v1/entities/users/john", other, ""), 401)
	e.must(e.do("GET", "/other/api/v1/entities/scopes/secret:read", other, ""), 404)
	e.must(e.do("GET", "/other/api/v1/entities/users/john", bootstrapToken, ""), 404)
	e.must(e.do("GET", "/acme/api/v1/entities/users/john", bootstrapToken, ""), 200)
}

func TestUsers(t *testing.T) {
	e := newEnv(t)
	tok := e.jwt("acme", "alice", "tollgate:admin")
	e.must(e.do("POST", "/acme/api/v1/entities/scopes", tok, `{"data":{"type":"scope","id":"orders:read"}}`), 201)
	e.must(e.do("POST", "/acme/api/v1/entities/roles", tok, `{"data":{"type":"role","id":"reader","attributes":{"scopes":["orders:read"]}}}`), 201)
	r := e.must(e.do("POST", "/acme/api/v1/entities/users", tok,
		`{"data":{"type":"user","id":"bob","attributes":{"email":"bob@example.com","password":"hunter2-hunter2","roles":["reader"]}}}`), 201)
	if strings.Contains(string(r.raw), "hunter2") || strings.Contains(string(r.raw), "password") {
		t.Errorf("create response shows the password: %s", r.raw)
	}
	u := r.resource(t)
	if u.Attributes["source"] != "local" || u.Attributes["disabled"] != false || fmt.Sprint(u.Attributes["roles"]) != "[reader]" {
		t.Errorf("user %+v", u.Attributes)
	}
	stored, err := e.st.GetUser(context.Background(), "acme", "bob")
	if err != nil || !strings.HasPrefix(stored.PasswordHash, "$argon2id$") {
		t.Fatalf("stored user %+v, %v", stored, err)
	}

	// A user reads themself, not others.
	bob := e.jwt("acme", "bob", "orders:read")
	e.must(e.do("GET", "/acme/api/v1/entities/users/bob", bob, ""), 200)
	e.must(e.do("GET", "/acme/api/v1/entities/users/alice", bob, ""), 403)
	e.must(e.do("PATCH", "/acme/api/v1/entities/users/bob", bob, `{"data":{"type":"user","attributes":{"roles":[]}}}`), 403)

	upd := e.must(e.do("PATCH", "/acme/api/v1/entities/users/bob", tok,
		`{"data":{"type":"user","id":"bob","attributes":{"disabled":true,"displayName":"Bob"}}}`), 200).resource(t)
	if upd.Attributes["disabled"] != true || upd.Attributes["email"] != "bob@example.com" || upd.Attributes["displayName"] != "Bob" {
		t.Errorf("patched %+v", upd.Attributes)
	}
	if again, _ := e.st.GetUser(context.Background(), "acme", "bob"); again.PasswordHash != stored.PasswordHash {
		t.Error("a patch without password changed the hash")
	}
	e.must(e.do("DELETE", "/acme/api/v1/entities/users/bob", tok, ""), 204)
	e.must(e.do("DELETE", "/acme/api/v1/entities/users/bob", tok, ""), 404)
}

func TestRevokedToken(t *testing.T) {
	e := newEnv(t)
	tok := e.jwt("acme", "alice", "tollgate:admin")
	e.must(e.do("GET", "/acme/api/v1/entities/users", tok, ""), 200)
	claims, err := e.keys.Verify(context.Background(), "acme", tok)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.revoked.Revoke(context.Background(), &domain.Revocation{
		Tenant: "acme", Kind: domain.RevokeTokenID, Value: claims.ID, ExpiresAt: time.Now().Add(time.Hour),
	}); err != nil {
		t.Fatal(err)
	}
	e.must(e.do("GET", "/acme/api/v1/entities/users", tok, ""), 401)
}

func TestTenantsAndAliases(t *testing.T) {
	e := newEnv(t)
	r := e.must(e.do("POST", "/api/entities/tenants", bootstrapToken, `{"data":{"type":"tenant","id":"beta","attributes":{"name":"Beta"}}}`), 201)
	if r.header.Get("Location") != "/api/entities/tenants/beta" {
		t.Errorf("Location %q", r.header.Get("Location"))
	}
	e.must(e.do("PATCH", "/api/v1/entities/tenants/beta", bootstrapToken, `{"data":{"type":"tenant","id":"beta","attributes":{"name":"Beta 2"}}}`), 200)
	if got := e.must(e.do("GET", "/api/entities/tenants/beta", bootstrapToken, ""), 200).resource(t); got.Attributes["name"] != "Beta 2" {
		t.Errorf("tenant %+v", got)
	}
	if ts := e.must(e.do("GET", "/api/v1/entities/tenants", bootstrapToken, ""), 200).resources(t); len(ts) != 4 {
		t.Errorf("tenants %+v", ts)
	}

	// Tenant-prefixed and unprefixed, v1 and alias, all reach the same data.
	beta := e.jwt("beta", "b", "tollgate:admin")
	e.must(e.do("POST", "/beta/api/entities/scopes", beta, `{"data":{"type":"scope","id":"x","attributes":{"description":"X"}}}`), 201)
	e.must(e.do("GET", "/beta/api/v1/entities/scopes/x", beta, ""), 200)
	e.must(e.do("POST", "/api/entities/scopes", bootstrapToken, `{"data":{"type":"scope","id":"d"}}`), 201)
	e.must(e.do("GET", "/default/api/v1/entities/scopes/d", bootstrapToken, ""), 200)
	e.must(e.do("POST", "/beta/api/v1/actions/keys/rotate", beta, ""), 204)
	e.must(e.do("GET", "/beta/api/v1/entities/scopes/x", beta, ""), 200) // old key still published

	e.must(e.do("DELETE", "/api/v1/entities/tenants/beta", bootstrapToken, ""), 204)
	e.must(e.do("GET", "/beta/api/v1/entities/scopes/x", bootstrapToken, ""), 404)
	e.must(e.do("DELETE", "/api/v1/entities/tenants/beta", bootstrapToken, ""), 404)
}

func TestIDWithSlash(t *testing.T) {
	e := newEnv(t)
	r := e.must(e.do("POST", "/api/v1/entities/scopes", bootstrapToken, `{"data":{"type":"scope","id":"https://api.example/orders"}}`), 201)
	loc := r.header.Get("Location")
	if loc != "/api/v1/entities/scopes/https:%2F%2Fapi.example%2Forders" {
		t.Errorf("Location %q", loc)
	}
	if got := e.must(e.do("GET", loc, bootstrapToken, ""), 200).resource(t); got.ID != "https://api.example/orders" || got.Links.Self != loc {
		t.Errorf("got %+v", got)
	}
	e.must(e.do("DELETE", loc, bootstrapToken, ""), 204)
}
