package main

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// The password grant exactly as an API-manager user sends it with curl:
// curl -d "grant_type=password&username=…&password=…" -H "Authorization: Basic …" /token
func TestPasswordGrantAsCurl(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		r := e.do("POST", "/token", "application/x-www-form-urlencoded",
			"grant_type=password&username=john.doe&password=s3cret-pw", basicAuth(e.clientID, e.clientSecret))
		if r.status != 200 {
			t.Fatalf("status %d: %s", r.status, r.raw)
		}
		if r.header.Get("Cache-Control") != "no-store" {
			t.Errorf("Cache-Control %q", r.header.Get("Cache-Control"))
		}
		if r.str("token_type") != "Bearer" || r.str("access_token") == "" || !strings.HasPrefix(r.str("refresh_token"), "tgr_") {
			t.Errorf("body %s", r.raw)
		}
		if n, ok := r.body["expires_in"].(float64); !ok || n != 3600 {
			t.Errorf("expires_in %v, want the number 3600", r.body["expires_in"])
		}
		if r.str("scope") != "orders:read" {
			t.Errorf("scope %q, want the app's default orders:read", r.str("scope"))
		}
		in := e.introspect(r.str("access_token"))
		if in["active"] != true || in["sub"] != "john.doe" || in["client_id"] != e.clientID {
			t.Errorf("introspection %v", in)
		}
	})
}

func TestScopeIntersection(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		// john.doe's role allows only orders:read, though the app allows both.
		r := e.passwordToken("orders:read orders:write")
		if r.str("scope") != "orders:read" {
			t.Fatalf("scope %q, want orders:read", r.str("scope"))
		}
		// A client gets what the app allows.
		r = e.post("/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:write"}}, e.clientID, e.clientSecret)
		if r.status != 200 || r.str("scope") != "orders:write" || r.str("refresh_token") != "" {
			t.Fatalf("client_credentials: %d %s", r.status, r.raw)
		}
		// Nothing grantable is an error.
		r = e.post("/token", url.Values{"grant_type": {"password"}, "username": {"john.doe"}, "password": {"s3cret-pw"}, "scope": {"orders:write"}}, e.clientID, e.clientSecret)
		if r.status != 400 || r.str("error") != "invalid_scope" {
			t.Fatalf("want invalid_scope, got %d %s", r.status, r.raw)
		}
	})
}

func TestResourceAndValidity(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		r := e.post("/oauth2/token", url.Values{"grant_type": {"client_credentials"},
			"resource": {"https://api.example.com/orders", "https://b.example.com"}, "validity_period": {"120"}}, e.clientID, e.clientSecret)
		if r.status != 200 || r.body["expires_in"] != float64(120) {
			t.Fatalf("%d %s", r.status, r.raw)
		}
		aud := e.introspect(r.str("access_token"))["aud"].([]any)
		if len(aud) != 2 || aud[0] != "https://api.example.com/orders" {
			t.Fatalf("aud %v", aud)
		}
		// Azure AD v1's fields: the resource, and expires_on as a string of
		// Unix seconds (DESIGN §1, the Power BI sample reads them).
		r = e.post("/oauth2/token", url.Values{"grant_type": {"client_credentials"},
			"resource": {"https://analysis.windows.net/powerbi/api"}}, e.clientID, e.clientSecret)
		on, isString := r.body["expires_on"].(string)
		secs, err := strconv.ParseInt(on, 10, 64)
		if !isString || err != nil || r.str("resource") != "https://analysis.windows.net/powerbi/api" {
			t.Fatalf("want resource and a string expires_on: %s", r.raw)
		}
		if d := time.Until(time.Unix(secs, 0)); d < 3590*time.Second || d > 3610*time.Second {
			t.Fatalf("expires_on %s is %v away, want expires_in (3600 s)", on, d)
		}
		if r := e.passwordToken(""); r.body["resource"] != nil || r.body["expires_on"] != nil {
			t.Fatalf("resource or expires_on without a resource in the request: %s", r.raw)
		}
		r = e.post("/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "resource": {"not a uri"}}, e.clientID, e.clientSecret)
		if r.status != 400 || r.str("error") != "invalid_target" {
			t.Fatalf("want invalid_target, got %d %s", r.status, r.raw)
		}
		r = e.post("/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "validity_period": {"999999"}}, e.clientID, e.clientSecret)
		if r.body["expires_in"] != float64(3600) {
			t.Fatalf("validity_period lengthened the token: %s", r.raw)
		}
	})
}

func TestJSONBody(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		body := `{"grant_type":"client_credentials","client_id":"` + e.clientID + `","client_secret":"` + e.clientSecret + `","resource":"https://api.example.com"}`
		r := e.do("POST", "/default/oauth2/token", "application/json", body, "")
		if r.status != 200 || r.str("access_token") == "" {
			t.Fatalf("%d %s", r.status, r.raw)
		}
	})
}

// Refresh rotation: each use returns a new token; reusing an old one fails
// with invalid_grant and kills the newest one of the family too.
func TestRefreshRotationAndReuse(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		first := e.passwordToken("")
		refresh := func(tok string) *response {
			return e.post("/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok}}, e.clientID, e.clientSecret)
		}
		second := refresh(first.str("refresh_token"))
		if second.status != 200 || second.str("refresh_token") == first.str("refresh_token") || second.str("scope") != "orders:read" {
			t.Fatalf("rotation: %d %s", second.status, second.raw)
		}
		third := refresh(second.str("refresh_token"))
		if third.status != 200 {
			t.Fatalf("second rotation: %d %s", third.status, third.raw)
		}
		// Reuse of a rotated token.
		reuse := refresh(first.str("refresh_token"))
		if reuse.status != 400 || reuse.str("error") != "invalid_grant" {
			t.Fatalf("reuse: %d %s", reuse.status, reuse.raw)
		}
		if r := refresh(third.str("refresh_token")); r.status != 400 || r.str("error") != "invalid_grant" {
			t.Fatalf("newest token of a reused family still works: %d %s", r.status, r.raw)
		}
		// The family's access tokens are revoked too.
		if in := e.introspect(third.str("access_token")); in["active"] != false {
			t.Fatalf("access token of a revoked family is active: %v", in)
		}
	})
}

// A refresh re-reads the user: scopes a role lost drop out of the new
// token, and a disabled user's session ends.
func TestRefreshFollowsTheUser(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		refresh := func(tok string) *response {
			return e.post("/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok}}, e.clientID, e.clientSecret)
		}
		e.api("PATCH", "/api/v1/entities/roles/reader", `{"data":{"type":"role","id":"reader","attributes":{"scopes":["orders:read","orders:write"]}}}`, 200)
		first := e.passwordToken("orders:read orders:write")
		if first.str("scope") != "orders:read orders:write" {
			t.Fatalf("scope %q", first.str("scope"))
		}
		e.api("PATCH", "/api/v1/entities/roles/reader", `{"data":{"type":"role","id":"reader","attributes":{"scopes":["orders:read"]}}}`, 200)
		second := refresh(first.str("refresh_token"))
		if second.status != 200 || second.str("scope") != "orders:read" {
			t.Fatalf("after the role lost orders:write: %d %s", second.status, second.raw)
		}
		e.api("PATCH", "/api/v1/entities/users/john.doe", `{"data":{"type":"user","id":"john.doe","attributes":{"disabled":true}}}`, 200)
		third := refresh(second.str("refresh_token"))
		if third.status != 400 || third.str("error") != "invalid_grant" || !strings.Contains(third.str("error_description"), "no longer active") {
			t.Fatalf("disabled user refreshed: %d %s", third.status, third.raw)
		}
	})
}

// Refresh tokens issued before their format carried the issue time were
// stored by plain SHA-256; after an upgrade they must still refresh, once.
func TestRefreshTokenWithoutTimeStillWorks(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		legacy, _ := token.NewOpaque(token.PrefixRefresh)
		now := time.Now()
		err := e.app.Store().CreateRefreshToken(context.Background(), "default", &domain.RefreshToken{
			Hash: secret.HashToken(legacy), FamilyID: "legacy-family", ClientID: e.clientID, Subject: "john.doe",
			Scopes: []string{"orders:read"}, Audience: []string{}, ExpiresAt: now.Add(time.Hour), CreatedAt: now})
		if err != nil {
			t.Fatal(err)
		}
		refresh := func(tok string) *response {
			return e.post("/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok}}, e.clientID, e.clientSecret)
		}
		next := refresh(legacy)
		if next.status != 200 || next.str("scope") != "orders:read" {
			t.Fatalf("token without time: %d %s", next.status, next.raw)
		}
		if rt := next.str("refresh_token"); len(rt) == len(legacy) || !token.CheckRefreshToken(rt) {
			t.Fatalf("successor %q is not of the format with time", rt)
		}
		if r := refresh(next.str("refresh_token")); r.status != 200 {
			t.Fatalf("successor: %d %s", r.status, r.raw)
		}
		if r := refresh(legacy); r.status != 400 || r.str("error") != "invalid_grant" {
			t.Fatalf("reuse of the old token: %d %s", r.status, r.raw)
		}
	})
}

func TestRevocation(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		tok := e.passwordToken("")
		at, rt := tok.str("access_token"), tok.str("refresh_token")
		other := e.passwordToken("")

		r := e.post("/oauth2/revoke", url.Values{"token": {at}}, e.clientID, e.clientSecret)
		if r.status != 200 {
			t.Fatalf("revoke access token: %d %s", r.status, r.raw)
		}
		if in := e.introspect(at); in["active"] != false || len(in) != 1 {
			t.Fatalf("revoked access token introspects as %v", in)
		}
		if in := e.introspect(other.str("access_token")); in["active"] != true {
			t.Fatal("revoking one token revoked another")
		}
		// Revoking the refresh token kills the family's access tokens.
		refreshed := e.post("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, e.clientID, e.clientSecret)
		r = e.post("/revoke", url.Values{"token": {refreshed.str("refresh_token")}, "token_type_hint": {"refresh_token"}}, e.clientID, e.clientSecret)
		if r.status != 200 {
			t.Fatalf("revoke refresh token: %d %s", r.status, r.raw)
		}
		if in := e.introspect(refreshed.str("access_token")); in["active"] != false {
			t.Fatalf("access token of a revoked refresh token is active: %v", in)
		}
		if in := e.introspect(refreshed.str("refresh_token")); in["active"] != false {
			t.Fatalf("revoked refresh token is active: %v", in)
		}
		// Revoking an already rotated refresh token still ends its session.
		session := e.passwordToken("")
		rotated := e.post("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {session.str("refresh_token")}}, e.clientID, e.clientSecret)
		if r := e.post("/oauth2/revoke", url.Values{"token": {session.str("refresh_token")}}, e.clientID, e.clientSecret); r.status != 200 {
			t.Fatalf("revoke rotated refresh token: %d %s", r.status, r.raw)
		}
		for _, tok := range []string{session.str("access_token"), rotated.str("access_token"), rotated.str("refresh_token")} {
			if in := e.introspect(tok); in["active"] != false {
				t.Fatalf("token of a session revoked through its rotated refresh token is active: %v", in)
			}
		}
		// Unknown and garbage tokens: 200 all the same (RFC 7009 §2.2).
		for _, tok := range []string{"nonsense", "tgr_unknown", "eyJhbGciOiJub25lIn0.e30."} {
			if r := e.post("/oauth2/revoke", url.Values{"token": {tok}}, e.clientID, e.clientSecret); r.status != 200 {
				t.Errorf("revoke %q: %d %s", tok, r.status, r.raw)
			}
		}
		// Another client may not revoke this client's token.
		otherID, otherSecret := e.createApp("", `"grantTypes":["client_credentials"]`)
		live := e.passwordToken("").str("access_token")
		if r := e.post("/oauth2/revoke", url.Values{"token": {live}}, otherID, otherSecret); r.status != 400 {
			t.Fatalf("foreign revoke: %d %s", r.status, r.raw)
		}
		if e.introspect(live)["active"] != true {
			t.Fatal("a foreign client revoked the token")
		}
	})
}
