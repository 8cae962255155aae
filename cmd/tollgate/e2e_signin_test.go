package main

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func passwordForm(username, password string) url.Values {
	return url.Values{"grant_type": {"password"}, "username": {username}, "password": {password}}
}

// On the default tenant's paths the tenant follows the client: a client
// of tenant T may write T's users as name@T, a default client's usernames
// are literal, and which tenants exist shows in no answer.
func TestSignInTenantFromClient(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		for _, tenant := range []string{"acme", "example"} {
			e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"`+tenant+`","attributes":{"name":"T"}}}`, 201)
		}
		e.api("POST", "/acme/api/v1/entities/users", `{"data":{"type":"user","id":"alice","attributes":{"password":"alice-pw"}}}`, 201)
		e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"victim@example","attributes":{"password":"victim-pw"}}}`, 201)
		acmeID, acmeSecret := e.createApp("acme", `"grantTypes":["password","refresh_token"]`)

		t.Run("a default user named like a tenant signs in", func(t *testing.T) {
			r := e.post("/token", passwordForm("victim@example", "victim-pw"), e.clientID, e.clientSecret)
			if r.status != 200 || e.introspect(r.str("access_token"))["sub"] != "victim@example" {
				t.Fatalf("victim@example: %d %s", r.status, r.raw)
			}
		})
		t.Run("name@T with T's client, refreshed and revoked on the same path", func(t *testing.T) {
			for _, name := range []string{"alice@acme", "alice@ACME", "alice"} {
				r := e.post("/token", passwordForm(name, "alice-pw"), acmeID, acmeSecret)
				if r.status != 200 {
					t.Fatalf("%s: %d %s", name, r.status, r.raw)
				}
				in := e.post("/oauth2/introspect", url.Values{"token": {r.str("access_token")}}, acmeID, acmeSecret)
				if in.str("sub") != "alice" || in.str("iss") != e.base+"/acme" {
					t.Fatalf("%s: token %s", name, in.raw)
				}
				next := e.post("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r.str("refresh_token")}}, acmeID, acmeSecret)
				if next.status != 200 {
					t.Fatalf("%s: refresh on /token: %d %s", name, next.status, next.raw)
				}
				if rv := e.post("/revoke", url.Values{"token": {next.str("refresh_token")}}, acmeID, acmeSecret); rv.status != 200 {
					t.Fatalf("%s: revoke on /revoke: %d %s", name, rv.status, rv.raw)
				}
				again := e.post("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {next.str("refresh_token")}}, acmeID, acmeSecret)
				if again.status != 400 {
					t.Fatalf("%s: revoked refresh token: %d %s", name, again.status, again.raw)
				}
			}
		})
		t.Run("a default client's usernames are literal", func(t *testing.T) {
			r := e.post("/token", passwordForm("alice@acme", "alice-pw"), e.clientID, e.clientSecret)
			if r.status != 400 || r.str("error") != "invalid_grant" {
				t.Fatalf("alice@acme with a default client: %d %s", r.status, r.raw)
			}
		})
		t.Run("unknown tenants and unknown users answer alike", func(t *testing.T) {
			for _, c := range []struct{ id, secret string }{{e.clientID, e.clientSecret}, {acmeID, acmeSecret}} {
				var first *response
				for _, name := range []string{"x@acme", "x@nosuch", "x@example", "x"} {
					r := e.post("/token", passwordForm(name, "some-pw"), c.id, c.secret)
					if first == nil {
						first = r
					}
					if r.status != 400 || r.raw != first.raw {
						t.Fatalf("client %s, %s: %d %s; %s: %s", c.id, name, r.status, r.raw, "x@acme", first.raw)
					}
				}
			}
		})
		t.Run("T's client stays out of other tenants", func(t *testing.T) {
			if r := e.post("/example/oauth2/token", passwordForm("alice", "alice-pw"), acmeID, acmeSecret); r.status != 401 {
				t.Fatalf("acme's client on example's path: %d %s", r.status, r.raw)
			}
		})
	})
}

// A username at one address is refused past its limit, with a throttled
// answer that is the same for an existing and an unknown username and
// carries Retry-After; the audit and metrics say "throttled"; an admin's
// unlock lets the right password in again.
func TestPasswordThrottling(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		guess := func(user, password string) *response {
			return e.post("/token", passwordForm(user, password), e.clientID, e.clientSecret)
		}
		for range 10 {
			for _, user := range []string{"john.doe", "ghost"} {
				if r := guess(user, "guess"); r.status != 400 || !strings.Contains(r.raw, "invalid username or password") {
					t.Fatalf("guess for %s: %d %s", user, r.status, r.raw)
				}
			}
		}
		right := guess("john.doe", "s3cret-pw")
		ghost := guess("ghost", "s3cret-pw")
		if right.status != 400 || right.str("error") != "invalid_grant" || !strings.Contains(right.str("error_description"), "temporarily limited") {
			t.Fatalf("past the limit the right password got %d %s", right.status, right.raw)
		}
		if ghost.status != right.status || ghost.raw != right.raw || ghost.header.Get("Retry-After") == "" {
			t.Fatalf("unknown user: %d %s %v; known: %s", ghost.status, ghost.raw, ghost.header, right.raw)
		}
		if s, err := strconv.Atoi(right.header.Get("Retry-After")); err != nil || s < 1 || s > 15*60 {
			t.Fatalf("Retry-After %q", right.header.Get("Retry-After"))
		}

		evs := e.auditEvents("/api/v1/audit?grant=password&outcome=failure", 42)
		if !has(evs, map[string]string{"reason": "throttled", "userId": "john.doe"}) {
			t.Fatal("no audit event with reason throttled")
		}
		m := e.do("GET", "/metrics", "", "", "")
		if !strings.Contains(m.raw, `tollgate_tokens_total{grant="password",outcome="refused",reason="throttled",tenant="default"} 2`) {
			t.Fatal("/metrics lacks the throttled refusals")
		}

		e.api("POST", "/api/v1/actions/users/ghost/unlock", "", 404)
		e.api("POST", "/api/v1/actions/users/john.doe/unlock", "", 204)
		own := e.passwordToken("").str("access_token")
		e.apiAs(own, "POST", "/api/v1/actions/users/john.doe/unlock", "", 403) // admins only
		if r := guess("ghost", "s3cret-pw"); r.raw != ghost.raw {
			t.Fatalf("unlocking john.doe freed ghost: %s", r.raw)
		}
	})
}

// `tollgate user unlock` clears a user's failures.
func TestUserUnlockCommand(t *testing.T) {
	e := startServer(t, "")
	t.Setenv("TOLLGATE_URL", e.base)
	t.Setenv("TOLLGATE_TOKEN", e.admin)
	for range 11 {
		e.post("/token", passwordForm("john.doe", "guess"), e.clientID, e.clientSecret)
	}
	if r := e.post("/token", passwordForm("john.doe", "s3cret-pw"), e.clientID, e.clientSecret); r.status != 400 {
		t.Fatalf("not throttled: %d %s", r.status, r.raw)
	}
	if _, err := run(t, "", "user", "unlock", "john.doe"); err != nil {
		t.Fatal(err)
	}
	e.passwordToken("")
	if _, err := run(t, "", "user", "unlock", "nobody"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("unknown user: %v", err)
	}
}
