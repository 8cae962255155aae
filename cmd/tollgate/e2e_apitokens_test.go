package main

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
)

// API tokens end to end (issue 5), done as the README's curl flow does.

const tokensPath = "/api/v1/entities/users/john.doe/apiTokens"

func attrs(doc map[string]any) map[string]any {
	return doc["data"].(map[string]any)["attributes"].(map[string]any)
}

// createAPIToken creates token id for user with bearer and returns the
// token string.
func (e *env) createAPIToken(bearer, user, id, attributes string) string {
	e.t.Helper()
	body := `{"data":{"id":"` + id + `","type":"apiToken"` + attributes + `}}`
	doc := e.apiAs(bearer, "POST", "/api/v1/entities/users/"+user+"/apiTokens", body, 201)
	tok, _ := attrs(doc)["bearerToken"].(string)
	if !strings.HasPrefix(tok, "tgp_") {
		e.t.Fatalf("bearerToken = %q", tok)
	}
	return tok
}

func TestAPITokenCurlFlow(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		access := e.passwordToken("").str("access_token")
		// curl --request POST -H 'Content-type: application/vnd.api+json' -H 'Authorization: Bearer …'
		r := e.do("POST", tokensPath, "application/vnd.api+json",
			`{"data":{"id":"mynewtoken","type":"apiToken"}}`, "Bearer "+access)
		if r.status != 201 {
			t.Fatalf("create: %d %s", r.status, r.raw)
		}
		tok, _ := attrs(r.body)["bearerToken"].(string)
		if !strings.HasPrefix(tok, "tgp_") || len(tok) < 4+43 {
			t.Fatalf("bearerToken = %q", tok)
		}
		if self := r.body["links"].(map[string]any)["self"]; self != tokensPath+"/mynewtoken" {
			t.Errorf("links.self = %v", self)
		}
		if sc := attrs(r.body)["scopes"].([]any); len(sc) != 1 || sc[0] != "orders:read" {
			t.Errorf("default scopes = %v, want the user's", sc)
		}

		// An admin read with the new token, as that user.
		u := e.apiAs(tok, "GET", "/api/v1/entities/users/john.doe", "", 200)
		if u["data"].(map[string]any)["id"] != "john.doe" {
			t.Fatalf("read self: %v", u)
		}
		e.apiAs(tok, "GET", "/api/v1/entities/users", "", 403) // not an admin

		// Listed without the secret, with its dates and scopes.
		lr := e.do("GET", tokensPath, "", "", "Bearer "+tok)
		if lr.status != 200 || strings.Contains(lr.raw, tok) || strings.Contains(lr.raw, "bearerToken") {
			t.Fatalf("list: %d %s", lr.status, lr.raw)
		}
		items := lr.body["data"].([]any)
		if len(items) != 1 || items[0].(map[string]any)["id"] != "mynewtoken" {
			t.Fatalf("list = %s", lr.raw)
		}
		a := items[0].(map[string]any)["attributes"].(map[string]any)
		if a["createdAt"] == nil || a["expiresAt"] != nil {
			t.Errorf("attributes = %v", a)
		}
		one := e.do("GET", tokensPath+"/mynewtoken", "", "", "Bearer "+access)
		if one.status != 200 || strings.Contains(one.raw, tok) {
			t.Fatalf("get one: %d %s", one.status, one.raw)
		}

		// Introspection by a client of the same tenant.
		in := e.introspect(tok)
		if in["active"] != true || in["sub"] != "john.doe" || in["scope"] != "orders:read" || in["token_type"] != "api_token" {
			t.Fatalf("introspection = %v", in)
		}

		// Last use is recorded in a batch, not per request.
		if err := e.app.FlushAPITokenUses(context.Background()); err != nil {
			t.Fatal(err)
		}
		got := e.apiAs(access, "GET", tokensPath+"/mynewtoken", "", 200)
		if attrs(got)["lastUsedAt"] == nil {
			t.Errorf("lastUsedAt not recorded: %v", got)
		}

		// Delete, and the token fails from the very next request.
		e.apiAs(access, "DELETE", tokensPath+"/mynewtoken", "", 204)
		if r := e.do("GET", "/api/v1/entities/users/john.doe", "", "", "Bearer "+tok); r.status != 401 {
			t.Fatalf("deleted token: %d %s", r.status, r.raw)
		}
		if in := e.introspect(tok); in["active"] != false || len(in) != 1 {
			t.Fatalf("deleted token introspection = %v", in)
		}
		e.apiAs(access, "GET", tokensPath+"/mynewtoken", "", 404)
		e.apiAs(access, "DELETE", tokensPath+"/mynewtoken", "", 404)
	})
}

func TestAPITokenWhoMayCreate(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"jane","attributes":{"roles":["reader"]}}}`, 201)
		e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"boss","attributes":{"roles":["admin"]}}}`, 201)
		access := e.passwordToken("").str("access_token")
		johns := e.createAPIToken(access, "john.doe", "first", "")

		t.Run("user with another token of theirs", func(t *testing.T) {
			e.createAPIToken(johns, "john.doe", "second", "")
		})
		t.Run("user for another user", func(t *testing.T) {
			body := `{"data":{"id":"x","type":"apiToken"}}`
			e.apiAs(access, "POST", "/api/v1/entities/users/jane/apiTokens", body, 403)
			e.apiAs(johns, "POST", "/api/v1/entities/users/jane/apiTokens", body, 403)
			e.apiAs(johns, "GET", "/api/v1/entities/users/jane/apiTokens", "", 403)
			e.apiAs(johns, "DELETE", "/api/v1/entities/users/jane/apiTokens/x", "", 403)
		})
		t.Run("bootstrap for any user", func(t *testing.T) {
			e.createAPIToken(e.admin, "jane", "from-bootstrap", "")
		})
		t.Run("tenant admin for users of the tenant", func(t *testing.T) {
			boss := e.createAPIToken(e.admin, "boss", "admin", "")
			e.createAPIToken(boss, "john.doe", "from-admin", "")
			e.apiAs(boss, "GET", tokensPath, "", 200)
			e.apiAs(boss, "DELETE", tokensPath+"/from-admin", "", 204)
			// Without tollgate:admin on the token, boss is only a user.
			weak := e.createAPIToken(e.admin, "boss", "weak", `,"attributes":{"scopes":[]}`)
			e.apiAs(weak, "POST", "/api/v1/entities/users/jane/apiTokens", `{"data":{"id":"y","type":"apiToken"}}`, 403)
			e.apiAs(weak, "GET", "/api/v1/entities/users", "", 403)
		})
		t.Run("tenant admin of another tenant", func(t *testing.T) {
			e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"acme"}}`, 201)
			e.api("POST", "/acme/api/v1/entities/users", `{"data":{"type":"user","id":"carl","attributes":{"roles":["admin"]}}}`, 201)
			carl := e.apiAs(e.admin, "POST", "/acme/api/v1/entities/users/carl/apiTokens", `{"data":{"id":"t","type":"apiToken"}}`, 201)
			tok := attrs(carl)["bearerToken"].(string)
			e.apiAs(tok, "GET", "/acme/api/v1/entities/users", "", 200)
			// Valid only in its own tenant: on default it is unknown.
			e.apiAs(tok, "POST", "/api/v1/entities/users/jane/apiTokens", `{"data":{"id":"z","type":"apiToken"}}`, 401)
			if in := e.introspect(tok); in["active"] != false {
				t.Fatalf("other tenant's token introspected as %v", in)
			}
		})
		t.Run("tenant-prefixed path and alias", func(t *testing.T) {
			e.apiAs(access, "POST", "/default/api/v1/entities/users/john.doe/apiTokens", `{"data":{"id":"prefixed","type":"apiToken"}}`, 201)
			e.apiAs(access, "GET", "/api/entities/users/john.doe/apiTokens/prefixed", "", 200)
			e.apiAs(access, "DELETE", "/default/api/entities/users/john.doe/apiTokens/prefixed", "", 204)
		})
	})
}

func TestAPITokenBadInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		access := e.passwordToken("").str("access_token")
		e.createAPIToken(access, "john.doe", "taken", "")
		past := time.Now().Add(-time.Hour).UTC().Format(time.RFC3339)
		for _, tc := range []struct {
			name, path, contentType, body string
			status                        int
		}{
			{"wrong media type", tokensPath, "text/plain", `{"data":{"id":"a","type":"apiToken"}}`, 415},
			{"malformed JSON", tokensPath, "", `{"data":`, 400},
			{"missing data", tokensPath, "", `{"meta":{}}`, 400},
			{"wrong type", tokensPath, "", `{"data":{"id":"a","type":"user"}}`, 400},
			{"bad id", tokensPath, "", `{"data":{"id":".hidden","type":"apiToken"}}`, 400},
			{"missing id", tokensPath, "", `{"data":{"type":"apiToken"}}`, 400},
			{"id too long", tokensPath, "", `{"data":{"id":"` + strings.Repeat("a", 256) + `","type":"apiToken"}}`, 400},
			{"scope not held", tokensPath, "", `{"data":{"id":"a","type":"apiToken","attributes":{"scopes":["orders:write"]}}}`, 400},
			{"expiry in the past", tokensPath, "", `{"data":{"id":"a","type":"apiToken","attributes":{"expiresAt":"` + past + `"}}}`, 400},
			{"expiry not RFC 3339", tokensPath, "", `{"data":{"id":"a","type":"apiToken","attributes":{"expiresAt":"tomorrow"}}}`, 400},
			{"unknown attribute", tokensPath, "", `{"data":{"id":"a","type":"apiToken","attributes":{"secret":"x"}}}`, 400},
			{"duplicate id", tokensPath, "", `{"data":{"id":"taken","type":"apiToken"}}`, 409},
			{"unknown user", "/api/v1/entities/users/nobody/apiTokens", "", `{"data":{"id":"a","type":"apiToken"}}`, 404},
		} {
			t.Run(tc.name, func(t *testing.T) {
				ct := tc.contentType
				if ct == "" {
					ct = "application/vnd.api+json"
				}
				r := e.do("POST", tc.path, ct, tc.body, "Bearer "+e.admin)
				if r.status != tc.status {
					t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.raw)
				}
				if errs, _ := r.body["errors"].([]any); len(errs) != 1 {
					t.Fatalf("errors = %s", r.raw)
				}
			})
		}
		list := e.api("GET", tokensPath, "", 200)
		if n := len(list["data"].([]any)); n != 1 {
			t.Fatalf("%d tokens stored after bad requests, want 1", n)
		}
		for name, bearer := range map[string]string{
			"malformed":    "tgp_short",
			"bad checksum": "tgp_" + strings.Repeat("a", 43) + "AAAAAA",
		} {
			if r := e.do("GET", tokensPath, "", "", "Bearer "+bearer); r.status != 401 {
				t.Errorf("%s token: %d %s", name, r.status, r.raw)
			}
		}
		// Paging: page[size]=1 over the user's tokens.
		e.createAPIToken(access, "john.doe", "zz", `,"attributes":{"expiresAt":"`+time.Now().Add(time.Hour).UTC().Format(time.RFC3339)+`","description":"ci"}`)
		p := e.api("GET", tokensPath+"?page[size]=1", "", 200)
		next, _ := p["links"].(map[string]any)["next"].(string)
		if len(p["data"].([]any)) != 1 || next == "" {
			t.Fatalf("first page: %v", p)
		}
		p2 := e.api("GET", next, "", 200)
		if d := p2["data"].([]any); len(d) != 1 || d[0].(map[string]any)["id"] != "zz" {
			t.Fatalf("second page: %v", p2)
		}
	})
}

// twoNodes starts two servers on one fresh PostgreSQL database, with one
// master key; n1 is seeded, and n2 knows n1's client.
func twoNodes(t *testing.T) (n1, n2 *env) {
	dsn := pgtest.NewDatabase(t)
	n1 = startServer(t, dsn)
	cfg := testConfig(t, dsn)
	cfg.MasterKeyFile = n1.cfg.MasterKeyPath()
	n2, _ = launch(t, cfg)
	n2.clientID, n2.clientSecret = n1.clientID, n1.clientSecret
	return n1, n2
}

// TestAPITokenDeletedOnOtherNode runs two servers on one PostgreSQL: a
// token cached by node 2 must fail there within 1 s of its deletion on
// node 1 (DESIGN §2).
func TestAPITokenDeletedOnOtherNode(t *testing.T) {
	n1, n2 := twoNodes(t)

	tok := n1.createAPIToken(n1.admin, "john.doe", "roaming", "")
	n2.apiAs(tok, "GET", "/api/v1/entities/users/john.doe", "", 200) // now cached on node 2
	n1.api("DELETE", tokensPath+"/roaming", "", 204)
	deadline := time.Now().Add(time.Second)
	for {
		r := n2.do("GET", "/api/v1/entities/users/john.doe", "", "", "Bearer "+tok)
		if r.status == 401 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("node 2 still accepts the deleted token after 1 s: %d", r.status)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if in := n2.post("/oauth2/introspect", url.Values{"token": {tok}}, n1.clientID, n1.clientSecret); in.body["active"] != false {
		t.Fatalf("node 2 introspection: %s", in.raw)
	}
}

// TestAPITokenLastUseFlushedAtShutdown: uses noted since the last batch
// are written when the server stops, not lost.
func TestAPITokenLastUseFlushedAtShutdown(t *testing.T) {
	cfg := testConfig(t, "")
	e, stop := launch(t, cfg)
	e.seed()
	tok := e.createAPIToken(e.admin, "john.doe", "cron", "")
	e.apiAs(tok, "GET", "/api/v1/entities/users/john.doe", "", 200)
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	st, err := sqlstore.Open(context.Background(), cfg.DatabaseDSN())
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	got, err := st.GetAPIToken(context.Background(), "default", "john.doe", "cron")
	if err != nil {
		t.Fatal(err)
	}
	if got.LastUsedAt == nil {
		t.Fatal("last use noted before shutdown was not written")
	}
}
