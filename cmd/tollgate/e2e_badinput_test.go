package main

import (
	"net/url"
	"strings"
	"testing"
	"time"
)

// Every malformed or hostile token request gets an RFC 6749 §5.2 error and
// changes nothing.
func TestTokenEndpointBadInput(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ccOnlyID, ccOnlySecret := e.createApp("", `"grantTypes":["client_credentials"]`)
		e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"disabled.user","attributes":{"password":"s3cret-pw","disabled":true}}}`, 201)
		e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"other","attributes":{"name":"Other"}}}`, 201)
		e.api("POST", "/other/api/v1/entities/users", `{"data":{"type":"user","id":"otto","attributes":{"password":"s3cret-pw"}}}`, 201)

		basic := basicAuth(e.clientID, e.clientSecret)
		const form = "application/x-www-form-urlencoded"
		tests := []struct {
			name, method, path, contentType, body, auth string
			status                                      int
			code                                        string
		}{
			{"unknown grant", "POST", "/token", form, "grant_type=implicit", basic, 400, "unsupported_grant_type"},
			{"missing grant", "POST", "/token", form, "username=a", basic, 400, "invalid_request"},
			{"missing password", "POST", "/token", form, "grant_type=password&username=john.doe", basic, 400, "invalid_request"},
			{"repeated parameter", "POST", "/token", form, "grant_type=password&username=john.doe&username=x&password=s3cret-pw", basic, 400, "invalid_request"},
			{"basic and body secret", "POST", "/token", form, "grant_type=client_credentials&client_secret=" + e.clientSecret, basic, 400, "invalid_request"},
			{"wrong secret basic", "POST", "/token", form, "grant_type=client_credentials", basicAuth(e.clientID, "wrong"), 401, "invalid_client"},
			{"wrong secret body", "POST", "/token", form, "grant_type=client_credentials&client_id=" + e.clientID + "&client_secret=wrong", "", 401, "invalid_client"},
			{"unknown client", "POST", "/token", form, "grant_type=client_credentials", basicAuth("nobody", "x"), 401, "invalid_client"},
			{"no client", "POST", "/token", form, "grant_type=client_credentials", "", 401, "invalid_client"},
			{"unknown user", "POST", "/token", form, "grant_type=password&username=ghost&password=s3cret-pw", basic, 400, "invalid_grant"},
			{"disabled user", "POST", "/token", form, "grant_type=password&username=disabled.user&password=s3cret-pw", basic, 400, "invalid_grant"},
			{"wrong password", "POST", "/token", form, "grant_type=password&username=john.doe&password=nope", basic, 400, "invalid_grant"},
			{"user of another tenant", "POST", "/token", form, "grant_type=password&username=otto&password=s3cret-pw", basic, 400, "invalid_grant"},
			{"client not allowed the grant", "POST", "/token", form, "grant_type=password&username=john.doe&password=s3cret-pw", basicAuth(ccOnlyID, ccOnlySecret), 400, "unauthorized_client"},
			{"bad refresh token", "POST", "/token", form, "grant_type=refresh_token&refresh_token=tgr_forged", basic, 400, "invalid_grant"},
			{"over-long field", "POST", "/token", form, "grant_type=password&username=" + strings.Repeat("a", 5000) + "&password=x", basic, 400, "invalid_request"},
			{"non-UTF-8 field", "POST", "/token", form, "grant_type=password&username=%ff%fe&password=x", basic, 400, "invalid_request"},
			{"body over 64 KiB", "POST", "/token", form, "grant_type=password&pad=" + strings.Repeat("a", 70<<10), basic, 413, "invalid_request"},
			{"GET on token endpoint", "GET", "/oauth2/token", "", "", basic, 405, "invalid_request"},
			{"GET on /token", "GET", "/token", "", "", "", 405, "invalid_request"},
			{"unknown tenant", "POST", "/nosuch/oauth2/token", form, "grant_type=client_credentials", basic, 404, "invalid_request"},
			{"client of another tenant", "POST", "/other/oauth2/token", form, "grant_type=client_credentials", basic, 401, "invalid_client"},
			{"wrong content type", "POST", "/token", "text/plain", "grant_type=client_credentials", basic, 400, "invalid_request"},
			{"introspect without client", "POST", "/oauth2/introspect", form, "token=x", "", 401, "invalid_client"},
			{"revoke without token", "POST", "/oauth2/revoke", form, "", basic, 400, "invalid_request"},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				r := e.do(tc.method, tc.path, tc.contentType, tc.body, tc.auth)
				if r.status != tc.status || r.str("error") != tc.code {
					t.Fatalf("got %d %s, want %d %s", r.status, r.raw, tc.status, tc.code)
				}
				if r.header.Get("Content-Type") != "application/json" {
					t.Errorf("Content-Type %q", r.header.Get("Content-Type"))
				}
				wantBasicChallenge := tc.status == 401 && strings.HasPrefix(tc.auth, "Basic")
				if got := strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic"); got != wantBasicChallenge {
					t.Errorf("WWW-Authenticate %q", r.header.Get("WWW-Authenticate"))
				}
			})
		}
		// Nothing changed: the user still logs in, and no refresh token was
		// stored for the failed attempts (the one below is the first).
		e.passwordToken("")
	})
}

// Admin API conflicts name the record, not the database's constraint.
func TestConflictMessage(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		doc := e.api("POST", "/api/v1/entities/scopes", `{"data":{"type":"scope","id":"orders:read"}}`, 409)
		detail := doc["errors"].([]any)[0].(map[string]any)["detail"].(string)
		if !strings.Contains(detail, `"orders:read"`) || strings.Contains(strings.ToLower(detail), "constraint") {
			t.Fatalf("conflict detail %q", detail)
		}
	})
}

// An unknown user and a wrong password look the same: status, body and
// (roughly) time.
func TestNoUserEnumeration(t *testing.T) {
	cfg := testConfig(t, "")
	cfg.PasswordHashMemoryKiB, cfg.PasswordHashIterations = 8*1024, 2 // a cost that dominates timing
	e := startWith(t, cfg)
	attempt := func(user string) (*response, time.Duration) {
		start := time.Now()
		r := e.post("/token", url.Values{"grant_type": {"password"}, "username": {user}, "password": {"wrong-password"}}, e.clientID, e.clientSecret)
		return r, time.Since(start)
	}
	// The fastest of several attempts each: a stall on a busy machine only
	// ever adds time, so minimums compare the work done, not the noise.
	known, unknown := time.Hour, time.Hour
	for i := 0; i < 5; i++ {
		rk, dk := attempt("john.doe")
		ru, du := attempt("ghost" + string(rune('a'+i)))
		if rk.status != ru.status || rk.raw != ru.raw {
			t.Fatalf("answers differ: %d %s vs %d %s", rk.status, rk.raw, ru.status, ru.raw)
		}
		known, unknown = min(known, dk), min(unknown, du)
	}
	if ratio := float64(unknown) / float64(known); ratio < 0.5 || ratio > 2 {
		t.Fatalf("timing differs: known user %v, unknown user %v", known, unknown)
	}
}

// A token is valid only in its own tenant (name@tenant on the default
// tenant's paths: e2e_signin_test.go).
func TestTenantIsolation(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"acme","attributes":{"name":"Acme"}}}`, 201)
		e.api("POST", "/acme/api/v1/entities/users", `{"data":{"type":"user","id":"alice","attributes":{"password":"alice-pw"}}}`, 201)
		acmeID, acmeSecret := e.createApp("acme", `"grantTypes":["password","client_credentials"]`)

		r := e.post("/acme/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, acmeID, acmeSecret)
		if r.status != 200 {
			t.Fatalf("acme token: %d %s", r.status, r.raw)
		}
		acmeToken := r.str("access_token")
		// Introspected by a default-tenant client: not active.
		if in := e.introspect(acmeToken); in["active"] != false {
			t.Fatalf("acme token active in default tenant: %v", in)
		}
		// In its own tenant: active, with the tenant's issuer.
		in := e.post("/acme/oauth2/introspect", url.Values{"token": {acmeToken}}, acmeID, acmeSecret)
		if in.body["active"] != true || in.str("iss") != e.base+"/acme" {
			t.Fatalf("acme introspection: %s", in.raw)
		}
		// An admin-looking token of acme cannot use the default admin API.
		e.apiAs(acmeToken, "GET", "/api/v1/entities/users", "", 401)

		// alice does not exist in default.
		if r := e.post("/token", url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"alice-pw"}}, e.clientID, e.clientSecret); r.status != 400 {
			t.Fatalf("alice in default: %d %s", r.status, r.raw)
		}
	})
}
