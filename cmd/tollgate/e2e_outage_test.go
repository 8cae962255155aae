package main

import (
	"net/url"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
)

// TestDatabaseOutage (issue 12 item 10): with PostgreSQL frozen (SIGSTOP:
// connections stay open, nothing answers) and then shut down, the token
// endpoint answers 503 temporarily_unavailable with Retry-After within
// about --database-timeout, the admin API a JSON:API 503, /readyz 503;
// JWKS, discovery and the gateway (JWTs, and API tokens it has seen) keep
// answering from what this node has cached. Once the database is back everything works again, without
// restarting tollgate.
func TestDatabaseOutage(t *testing.T) {
	c := pgtest.NewCluster(t) // a private cluster: this test takes it down
	const timeout = 500 * time.Millisecond
	cfg := testConfig(t, c.DSN("postgres"))
	cfg.DatabaseTimeout = timeout
	e := startWith(t, cfg)
	e.createOrdersAPI(upstreamEcho(t).URL)
	access := e.passwordToken("orders:read").str("access_token")
	apiToken := e.createAPIToken(e.admin, "john.doe", "outage", "")
	warmed := time.Now()
	check := func(what string, r *response, status int) {
		t.Helper()
		if r.status != status {
			t.Errorf("%s: %d %s, want %d", what, r.status, r.raw, status)
		}
	}
	public := func(when string) {
		t.Helper()
		check(when+": JWKS", e.do("GET", "/oauth2/jwks", "", "", ""), 200)
		check(when+": discovery", e.do("GET", "/.well-known/openid-configuration", "", "", ""), 200)
		check(when+": gateway with a JWT", e.gatewayDo("GET", "/orders/v1/items/1", access, nil), 200)
		check(when+": gateway with an API token", e.gatewayDo("GET", "/orders/v1/items/1", apiToken, nil), 200)
	}
	password := func() *response {
		return e.post("/token", url.Values{"grant_type": {"password"}, "username": {"john.doe"}, "password": {"s3cret-pw"}},
			e.clientID, e.clientSecret)
	}
	public("before")
	// Let the caches of tenants and clients (5 s) expire, so the outage
	// finds the database on every path that would read it.
	time.Sleep(5*time.Second + 500*time.Millisecond - time.Since(warmed))

	for _, outage := range c.Outages() {
		t.Run(outage.Name, func(t *testing.T) {
			if err := outage.Down(); err != nil {
				t.Fatal(err)
			}
			// Each request waits --database-timeout in all, however many
			// calls it makes (a failed grant also looks up its tenant for
			// the audit: that second wait took it to twice the timeout).
			// Introspection may answer from this node's caches.
			timed := func(what string, cached bool, call func() *response) {
				t.Helper()
				began := time.Now()
				r := call()
				if took := time.Since(began); took > timeout+400*time.Millisecond {
					t.Errorf("%s answered after %v with a database timeout of %v", what, took, timeout)
				}
				if cached && r.status == 200 {
					return
				}
				if r.status != 503 || r.str("error") != "temporarily_unavailable" || r.header.Get("Retry-After") == "" {
					t.Errorf("%s: %d %v %s, want 503 temporarily_unavailable with Retry-After", what, r.status, r.header, r.raw)
				}
			}
			timed("password grant", false, password)
			timed("introspection", true, func() *response {
				return e.post("/oauth2/introspect", url.Values{"token": {access}}, e.clientID, e.clientSecret)
			})
			timed("revocation", false, func() *response {
				return e.post("/oauth2/revoke", url.Values{"token": {access}}, e.clientID, e.clientSecret)
			})

			r := e.do("GET", "/api/v1/entities/users", "", "", "Bearer "+e.admin)
			errs, _ := r.body["errors"].([]any)
			if r.status != 503 || len(errs) != 1 || errs[0].(map[string]any)["status"] != "503" || r.header.Get("Retry-After") == "" {
				t.Errorf("admin API: %d %v %s, want a JSON:API 503 with Retry-After", r.status, r.header, r.raw)
			}
			// An access token on the admin API: the tenant cannot be
			// checked, which is 503, never 401.
			check("admin API with an access token", e.do("GET", "/api/v1/entities/users/john.doe/apiTokens", "", "", "Bearer "+access), 503)
			check("readiness", e.do("GET", "/readyz", "", "", ""), 503)
			public("during the outage")

			if err := outage.Back(); err != nil {
				t.Fatal(err)
			}
			// New connections on a busy machine may take a few tries.
			within(t, 10*time.Second, "token endpoint after the outage", password, 200)
			within(t, 10*time.Second, "admin API after the outage", func() *response {
				return e.do("GET", "/api/v1/entities/users", "", "", "Bearer "+e.admin)
			}, 200)
			within(t, 10*time.Second, "readiness after the outage", func() *response { return e.do("GET", "/readyz", "", "", "") }, 200)
			public("after the outage")
		})
	}
}
