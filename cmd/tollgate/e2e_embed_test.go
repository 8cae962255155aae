package main

import (
	"encoding/base64"
	"maps"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/oauth"
)

// enableEmbed generates an embed secret for tenant ("" = default), enables
// embed authentication with scopes and returns the secret.
func (e *env) enableEmbed(tenant, scopes string) string {
	e.t.Helper()
	path := prefix(tenant) + "/api/v1/entities/embedSettings"
	// Enabling before a secret exists is refused.
	e.api("PATCH", path, `{"data":{"type":"embedSettings","attributes":{"enabled":true}}}`, 400)
	doc := e.api("POST", path+"/secret", "", 200)
	secret := doc["data"].(map[string]any)["attributes"].(map[string]any)["embedSecret"].(string)
	doc = e.api("PATCH", path, `{"data":{"type":"embedSettings","attributes":{"enabled":true,"scopes":[`+scopes+`]}}}`, 200)
	attrs := doc["data"].(map[string]any)["attributes"].(map[string]any)
	if attrs["embedSecret"] != nil || attrs["hasSecret"] != true || attrs["enabled"] != true {
		e.t.Fatalf("embed settings after enabling: %v", attrs)
	}
	return secret
}

func embedPlain(username, secret string) url.Values {
	return url.Values{"grant_type": {"embed_secret"}, "username": {username}, "embed_secret": {secret}}
}

func embedSigned(username, secret, nonce string, at time.Time) url.Values {
	ts := strconv.FormatInt(at.Unix(), 10)
	return url.Values{"grant_type": {"embed_secret"}, "username": {username}, "embed_nonce": {nonce},
		"timestamp": {ts}, "embed_signature": {oauth.EmbedSignature(secret, nonce, username, ts)}}
}

func TestEmbedSecretSSOUser(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		// An SSO user: created through the API with no password.
		e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"sso.user","attributes":{"email":"sso.user@example.com","source":"oidc:azure","roles":["reader"]}}}`, 201)
		secret := e.enableEmbed("", `"orders:read","orders:write"`)

		t.Run("plain form", func(t *testing.T) {
			r := e.post("/oauth2/token", embedPlain("sso.user", secret), "", "")
			if r.status != 200 || r.str("refresh_token") == "" || r.str("scope") != "orders:read" {
				t.Fatalf("plain embed: %d %s", r.status, r.raw)
			}
			claims := e.introspect(r.str("access_token"))
			if claims["active"] != true || claims["sub"] != "sso.user" || claims["client_id"] != "tollgate-embed" {
				t.Fatalf("introspection: %v", claims)
			}
			// The embed secret authenticates the embed application, so
			// its refresh tokens can be used.
			rr := e.post("/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {r.str("refresh_token")}},
				"tollgate-embed", secret)
			if rr.status != 200 || rr.str("refresh_token") == "" {
				t.Fatalf("refresh of an embed token: %d %s", rr.status, rr.raw)
			}
			// The id before release 0013 still works, with client_secret_post.
			legacy := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rr.str("refresh_token")},
				"client_id": {"tollgate:embed"}, "client_secret": {secret}}
			if r := e.post("/oauth2/token", legacy, "", ""); r.status != 200 || r.str("refresh_token") == "" {
				t.Fatalf("refresh as tollgate:embed: %d %s", r.status, r.raw)
			}
		})
		t.Run("plain form as JSON", func(t *testing.T) {
			r := e.do("POST", "/oauth2/token", "application/json",
				`{"grant_type":"embed_secret","username":"sso.user","embed_secret":"`+secret+`"}`, "")
			if r.status != 200 {
				t.Fatalf("JSON embed: %d %s", r.status, r.raw)
			}
		})
		t.Run("signed form", func(t *testing.T) {
			f := embedSigned("sso.user", secret, "nonce-1", time.Now())
			r := e.post("/oauth2/token", f, "", "")
			if r.status != 200 || r.str("access_token") == "" {
				t.Fatalf("signed embed: %d %s", r.status, r.raw)
			}
			if r := e.post("/oauth2/token", f, "", ""); r.status != 400 || r.str("error") != "invalid_grant" {
				t.Fatalf("replayed nonce: %d %s", r.status, r.raw)
			}
			stale := embedSigned("sso.user", secret, "nonce-2", time.Now().Add(-6*time.Minute))
			if r := e.post("/oauth2/token", stale, "", ""); r.status != 400 || r.str("error") != "invalid_grant" {
				t.Fatalf("stale timestamp: %d %s", r.status, r.raw)
			}
			future := embedSigned("sso.user", secret, "nonce-3", time.Now().Add(6*time.Minute))
			if r := e.post("/oauth2/token", future, "", ""); r.status != 400 {
				t.Fatalf("future timestamp: %d %s", r.status, r.raw)
			}
			// The stale request did not burn its nonce: a fresh one passes.
			if r := e.post("/oauth2/token", embedSigned("sso.user", secret, "nonce-2", time.Now()), "", ""); r.status != 200 {
				t.Fatalf("fresh request with an unused nonce: %d %s", r.status, r.raw)
			}
		})
		t.Run("password grant explains", func(t *testing.T) {
			f := url.Values{"grant_type": {"password"}, "username": {"sso.user"}, "password": {"anything"}}
			r := e.post("/token", f, e.clientID, e.clientSecret)
			d := r.str("error_description")
			if r.status != 400 || r.str("error") != "invalid_grant" || !strings.Contains(d, "embed secret") || !strings.Contains(d, "single sign-on") {
				t.Fatalf("password grant for an SSO user: %d %s", r.status, r.raw)
			}
		})
	})
}

func TestEmbedSecretRefusals(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"gone","attributes":{"disabled":true}}}`, 201)
		secret := e.enableEmbed("", `"orders:read"`)
		refused := map[string]*response{
			"wrong secret":          e.post("/oauth2/token", embedPlain("john.doe", secret+"x"), "", ""),
			"wrong signature":       e.post("/oauth2/token", embedSigned("john.doe", secret+"x", "n1", time.Now()), "", ""),
			"unknown user":          e.post("/oauth2/token", embedPlain("nobody", secret), "", ""),
			"unknown user (signed)": e.post("/oauth2/token", embedSigned("nobody", secret, "n2", time.Now()), "", ""),
			"disabled user":         e.post("/oauth2/token", embedPlain("gone", secret), "", ""),
		}
		e.api("PATCH", "/api/v1/entities/embedSettings", `{"data":{"type":"embedSettings","attributes":{"enabled":false}}}`, 200)
		refused["embed disabled"] = e.post("/oauth2/token", embedPlain("john.doe", secret), "", "")
		want := refused["unknown user"]
		for name, r := range refused {
			if r.status != 400 || r.str("error") != "invalid_grant" || r.raw != want.raw {
				t.Errorf("%s: %d %s; want the same answer as for an unknown user: %s", name, r.status, r.raw, want.raw)
			}
		}

		// Regenerating invalidates the old secret at once.
		e.api("PATCH", "/api/v1/entities/embedSettings", `{"data":{"type":"embedSettings","attributes":{"enabled":true}}}`, 200)
		if r := e.post("/oauth2/token", embedPlain("john.doe", secret), "", ""); r.status != 200 {
			t.Fatalf("re-enabled: %d %s", r.status, r.raw)
		}
		doc := e.api("POST", "/api/v1/entities/embedSettings/secret", "", 200)
		fresh := doc["data"].(map[string]any)["attributes"].(map[string]any)["embedSecret"].(string)
		if r := e.post("/oauth2/token", embedPlain("john.doe", secret), "", ""); r.raw != want.raw {
			t.Fatalf("old secret after regenerating: %d %s", r.status, r.raw)
		}
		if r := e.post("/oauth2/token", embedSigned("john.doe", secret, "n3", time.Now()), "", ""); r.raw != want.raw {
			t.Fatalf("old secret signature after regenerating: %d %s", r.status, r.raw)
		}
		if r := e.post("/oauth2/token", embedPlain("john.doe", fresh), "", ""); r.status != 200 {
			t.Fatalf("new secret: %d %s", r.status, r.raw)
		}
		// A tenant's secret is worth nothing in another tenant.
		e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"acme"}}`, 201)
		e.api("POST", "/acme/api/v1/entities/users", `{"data":{"type":"user","id":"john.doe","attributes":{"source":"oidc:okta"}}}`, 201)
		e.enableEmbed("acme", "")
		if r := e.post("/acme/oauth2/token", embedPlain("john.doe", fresh), "", ""); r.raw != want.raw {
			t.Fatalf("default tenant's secret on acme: %d %s", r.status, r.raw)
		}
		e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"odd","attributes":{"source":"ldap"}}}`, 400)
		if r := e.post("/oauth2/token", url.Values{"grant_type": {"embed_secret"}, "username": {"john.doe"}}, "", ""); r.status != 400 || r.str("error") != "invalid_request" {
			t.Fatalf("no credential: %d %s", r.status, r.raw)
		}
	})
}

// TestEmbedSignedNormalisedName: the README's worked example signs for
// SSO.User@example.com; the user is found by the name's PRECIS form, and a
// request refused for an unknown user keeps its nonce for the retry.
func TestEmbedSignedNormalisedName(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		secret := e.enableEmbed("", `"orders:read"`)
		f := embedSigned("SSO.User@example.com", secret, "3f2a9c", time.Now())
		refused := e.post("/oauth2/token", embedPlain("nobody", secret), "", "")
		if r := e.post("/oauth2/token", f, "", ""); r.raw != refused.raw {
			t.Fatalf("before the user exists: %d %s; want the uniform %s", r.status, r.raw, refused.raw)
		}
		e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"sso.user@example.com","attributes":{"source":"oidc:azure","roles":["reader"]}}}`, 201)
		bad := maps.Clone(f)
		bad.Set("scope", "orders:write") // not the embed application's
		if r := e.post("/oauth2/token", bad, "", ""); r.str("error") != "invalid_scope" {
			t.Fatalf("a scope the embed application lacks: %d %s", r.status, r.raw)
		}
		r := e.post("/oauth2/token", f, "", "")
		if r.status != 200 {
			t.Fatalf("retry once the user exists: %d %s", r.status, r.raw)
		}
		if claims := e.introspect(r.str("access_token")); claims["sub"] != "sso.user@example.com" {
			t.Fatalf("subject: %v", claims)
		}
		if r := e.post("/oauth2/token", f, "", ""); r.status != 400 || !strings.Contains(r.str("error_description"), "already used") {
			t.Fatalf("replay of the successful request: %d %s", r.status, r.raw)
		}
		for name, u := range map[string]string{"fullwidth": "ＳＳＯ.user@example.com", "plain form upper case": "SSO.USER@EXAMPLE.COM"} {
			if r := e.post("/oauth2/token", embedPlain(u, secret), "", ""); r.status != 200 {
				t.Errorf("%s: %d %s", name, r.status, r.raw)
			}
		}
		if r := e.post("/oauth2/token", embedPlain("sso.user\u200b@example.com", secret), "", ""); r.raw != refused.raw {
			t.Errorf("zero-width space: %d %s", r.status, r.raw)
		}
	})
}

// TestEmbedClientCredentials: an embed request needs no client, but
// credentials it carries must be right; the embed application's id can be
// sent with HTTP Basic.
func TestEmbedClientCredentials(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"sso.user","attributes":{"source":"oidc:azure","roles":["reader"]}}}`, 201)
		secret := e.enableEmbed("", `"orders:read"`)
		for name, c := range map[string][2]string{
			"wrong secret":    {e.clientID, "wrong"},
			"unknown client":  {"nobody", "x"},
			"embed id, wrong": {"tollgate-embed", secret + "x"},
		} {
			r := e.post("/oauth2/token", embedPlain("sso.user", secret), c[0], c[1])
			if r.status != 401 || r.str("error") != "invalid_client" || !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("%s: %d %v %s; want 401 invalid_client with WWW-Authenticate: Basic", name, r.status, r.header, r.raw)
			}
		}
		post := embedPlain("sso.user", secret)
		post.Set("client_id", e.clientID)
		post.Set("client_secret", "wrong")
		if r := e.post("/oauth2/token", post, "", ""); r.status != 401 || r.str("error") != "invalid_client" {
			t.Errorf("wrong client_secret_post: %d %s", r.status, r.raw)
		}
		// As clients send Basic: not form-encoded. The old id's ':' ends
		// the user-id there; the new id goes through.
		raw := func(id string) string { return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret)) }
		if r := e.do("POST", "/oauth2/token", "application/x-www-form-urlencoded", embedPlain("sso.user", secret).Encode(), raw("tollgate:embed")); r.status != 401 {
			t.Errorf("old id in Basic: %d %s", r.status, r.raw)
		}
		if r := e.do("POST", "/oauth2/token", "application/x-www-form-urlencoded", embedPlain("sso.user", secret).Encode(), raw("tollgate-embed")); r.status != 200 {
			t.Errorf("new id in Basic: %d %s", r.status, r.raw)
		}
		for name, c := range map[string][2]string{"embed application": {"tollgate-embed", secret}, "another client": {e.clientID, e.clientSecret}} {
			if r := e.post("/oauth2/token", embedPlain("sso.user", secret), c[0], c[1]); r.status != 200 {
				t.Errorf("%s with right credentials: %d %s", name, r.status, r.raw)
			}
		}
	})
}
