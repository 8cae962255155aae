package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"

	"github.com/tollgate-dev/tollgate/internal/token/assertiontest"
)

// The console's admin pages of applications (issue 15), end to end: the
// forms post to the real server, and what they make is checked where it
// counts, at the token endpoint.

var clientIDCode = regexp.MustCompile(`<code id="client-id">([^<]+)</code>`)

// appForm is the new-application form as a person fills it in.
func appForm(name, clientType string, grants []string, extra url.Values) url.Values {
	f := url.Values{"name": {name}, "clientType": {clientType}, "grantTypes": grants, "scopes": {"orders:read orders:write"},
		"defaultScopes": {"orders:read"}, "redirectUris": {""}, "postLogoutRedirectUris": {""}, "firstParty": {"on"},
		"accessTokenTtl": {"600"}, "refreshTokenTtl": {"86400"}, "refreshReuseGraceSeconds": {"0"}}
	for k, v := range extra {
		f[k] = v
	}
	return f
}

func (e *env) countApps() int {
	e.t.Helper()
	return len(e.api("GET", "/api/v1/entities/applications", "", 200)["data"].([]any))
}

// clientCredentials asks the token endpoint for a client_credentials
// token with id and secret.
func (e *env) clientCredentials(id, secret string) *response {
	e.t.Helper()
	return e.post("/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, id, secret)
}

func TestConsoleApps(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		b := e.consoleAdmin(t)
		if p := b.get("/console/apps/new"); p.status != http.StatusOK || !strings.Contains(p.body, `<textarea id="f-redirectUris" name="redirectUris"`) ||
			!strings.Contains(p.body, `<label for="f-accessTokenTtl">`) {
			t.Fatalf("new application form: %d %s", p.status, p.body)
		}
		before := e.countApps()

		// A bad redirect URI: the API's message next to its field, and
		// nothing created.
		bad := b.consolePost("/console/apps", appForm("Web app", "confidential", []string{"authorization_code"},
			url.Values{"redirectUris": {"http://app.example/callback"}}))
		if bad.status != http.StatusUnprocessableEntity ||
			!strings.Contains(bad.body, `<small id="f-redirectUris-note" class="field-error">&#34;http://app.example/callback&#34;: http is allowed only on a loopback host`) ||
			!strings.Contains(bad.body, `value="Web app"`) {
			t.Fatalf("bad redirect URI: %d %s", bad.status, bad.body)
		}
		if n := e.countApps(); n != before {
			t.Fatalf("a refused form created an application: %d, want %d", n, before)
		}

		// A confidential client: its secret is shown once and works.
		made := b.consolePost("/console/apps", appForm("Reports backend", "confidential", []string{"client_credentials"}, nil))
		if made.status != http.StatusCreated || !strings.Contains(made.body, "Application created.") {
			t.Fatalf("create: %d %s", made.status, made.body)
		}
		m := clientIDCode.FindStringSubmatch(made.body)
		if m == nil {
			t.Fatalf("no client id on the page: %s", made.body)
		}
		id, secret := m[1], secretOn(t, made)
		if !strings.HasPrefix(secret, "tgs_") {
			t.Errorf("secret %q", secret)
		}
		if strings.Count(made.body, secret) != 1 {
			t.Errorf("the secret is on the page %d times", strings.Count(made.body, secret))
		}
		tok := e.clientCredentials(id, secret)
		if tok.status != http.StatusOK || tok.str("scope") != "orders:read" || tok.body["expires_in"] != float64(600) {
			t.Fatalf("client_credentials with the console's secret: %d %s", tok.status, tok.raw)
		}
		page := b.get("/console/apps/" + id)
		if page.status != http.StatusOK || strings.Contains(page.body, secret) || strings.Contains(page.body, `id="secret-client"`) ||
			!strings.Contains(page.body, "set (Tollgate keeps only its hash)") || !strings.Contains(page.body, `<code id="client-id">`+id+`</code>`) {
			t.Fatalf("reloaded application page: %d %s", page.status, page.body)
		}

		// Requiring DPoP from the console: the client then gets no token
		// without a proof.
		df := appForm("Reports backend", "confidential", []string{"client_credentials"}, url.Values{"requireDpop": {"on"}})
		if p := b.consolePost("/console/apps/"+id, df); p.status != http.StatusSeeOther {
			t.Fatalf("require DPoP: %d %s", p.status, p.body)
		}
		if r := e.clientCredentials(id, secret); r.str("error") != "invalid_dpop_proof" {
			t.Fatalf("client_credentials without a proof after requiring DPoP: %d %s", r.status, r.raw)
		}
		if p := b.get("/console/apps/" + id); !strings.Contains(p.body, `name="requireDpop" aria-describedby="f-requireDpop-note" checked`) {
			t.Fatalf("the form does not show DPoP required: %s", p.body)
		}
		df.Del("requireDpop")
		if p := b.consolePost("/console/apps/"+id, df); p.status != http.StatusSeeOther || e.clientCredentials(id, secret).status != http.StatusOK {
			t.Fatalf("lifting DPoP: %d", p.status)
		}

		// Keys for private_key_jwt from the console: set, refused when
		// malformed (next to the field), shown again, removed.
		ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		set := assertiontest.KeySet(t, jose.JSONWebKey{Key: ec.Public(), KeyID: "k1"})
		kf := appForm("Reports backend", "confidential", []string{"client_credentials"}, url.Values{"jwks": {set}})
		if p := b.consolePost("/console/apps/"+id, kf); p.status != http.StatusSeeOther {
			t.Fatalf("set keys: %d %s", p.status, p.body)
		}
		if a := attrs(e.api("GET", "/api/v1/entities/applications/"+id, "", 200)); a["jwks"] == nil {
			t.Fatalf("keys not stored: %v", a)
		}
		if p := b.get("/console/apps/" + id); !strings.Contains(p.body, `&#34;kid&#34;: &#34;k1&#34;`) {
			t.Fatalf("the form does not show the keys: %s", p.body)
		}
		kf.Set("jwks", `{"keys":[{"kty":"oct","k":"c2VjcmV0"}]}`)
		if p := b.consolePost("/console/apps/"+id, kf); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, `id="f-jwks-note" class="field-error"`) {
			t.Fatalf("a symmetric key: %d %s", p.status, p.body)
		}
		kf.Del("jwks")
		if p := b.consolePost("/console/apps/"+id, kf); p.status != http.StatusSeeOther || e.clientCredentials(id, secret).status != http.StatusOK {
			t.Fatalf("removing the keys: %d", p.status)
		}

		// The list finds it by a prefix of its client id, typed in lower case.
		list := b.get("/console/apps?q=" + strings.ToLower(id[:6]))
		if !strings.Contains(list.body, `<a href="/console/apps/`+id+`">Reports backend</a>`) {
			t.Errorf("search by prefix: %s", list.body)
		}
		if p := b.get("/console/apps?q=0"); !strings.Contains(p.body, "No application's client id starts with <code>0</code>") {
			t.Errorf("a search that finds nothing: %s", p.body)
		}

		// Edit: a bad lifetime is refused next to its field, a good edit saved.
		f := appForm("Reports", "confidential", []string{"client_credentials"}, url.Values{"accessTokenTtl": {"ten"}})
		if p := b.consolePost("/console/apps/"+id, f); p.status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.body, `<small id="f-accessTokenTtl-note" class="field-error">must be a whole number of seconds</small>`) {
			t.Fatalf("bad lifetime: %d %s", p.status, p.body)
		}
		f.Set("accessTokenTtl", "900")
		f.Set("idTokenSigningAlg", "HS256")
		if p := b.consolePost("/console/apps/"+id, f); p.status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.body, `<small id="f-idTokenSigningAlg-note" class="field-error">must be empty`) {
			t.Fatalf("HS256 ID tokens: %d %s", p.status, p.body)
		}
		f.Set("idTokenSigningAlg", "RS256")
		if p := b.consolePost("/console/apps/"+id, f); p.status != http.StatusSeeOther || p.location != "/console/apps/"+id+"?done=updated" {
			t.Fatalf("edit: %d %q %s", p.status, p.location, p.body)
		}
		if p := b.get("/console/apps/" + id + "?done=updated"); !strings.Contains(p.body, "Application saved.") || !strings.Contains(p.body, `value="900"`) {
			t.Errorf("after the edit: %s", p.body)
		}
		if alg := e.api("GET", "/api/v1/entities/applications/"+id, "", 200)["data"].(map[string]any)["attributes"].(map[string]any)["idTokenSigningAlg"]; alg != "RS256" {
			t.Errorf("idTokenSigningAlg after the edit: %v", alg)
		}

		// Rotate twice: each answer shows its own secret, the old ones stop.
		r1 := b.consolePost("/console/apps/"+id+"/secret", url.Values{})
		s1 := secretOn(t, r1)
		r2 := b.consolePost("/console/apps/"+id+"/secret", url.Values{})
		s2 := secretOn(t, r2)
		if s1 == s2 || s1 == secret || strings.Contains(r2.body, s1) || !strings.Contains(r2.body, "The old secret no longer works.") {
			t.Fatalf("rotations: %q then %q", s1, s2)
		}
		for _, old := range []string{secret, s1} {
			if r := e.clientCredentials(id, old); r.status != http.StatusUnauthorized {
				t.Errorf("an old secret still works: %d %s", r.status, r.raw)
			}
		}
		if r := e.clientCredentials(id, s2); r.status != http.StatusOK || r.body["expires_in"] != float64(900) {
			t.Fatalf("the rotated secret: %d %s", r.status, r.raw)
		}

		// A public client gets no secret and is shown after a redirect.
		pub := b.consolePost("/console/apps", appForm("Single-page app", "public", nil,
			url.Values{"redirectUris": {"https://app.example/callback"}}))
		if pub.status != http.StatusSeeOther || !strings.HasSuffix(pub.location, "?done=created") {
			t.Fatalf("public client: %d %s", pub.status, pub.body)
		}
		if p := b.get(pub.location); !strings.Contains(p.body, "none: a public client has no secret") ||
			strings.Contains(p.body, "Rotate secret") || !strings.Contains(p.body, `value="authorization_code" checked`) {
			t.Errorf("public client's page: %s", p.body)
		}

		// Delete: the client is gone, and so is its secret's use.
		del := b.consolePost("/console/apps/"+id+"/delete", url.Values{})
		if del.status != http.StatusSeeOther || del.location != "/console/apps?done=deleted" {
			t.Fatalf("delete: %d %s", del.status, del.body)
		}
		if p := b.get(del.location); !strings.Contains(p.body, "Application deleted.") || strings.Contains(p.body, id) {
			t.Errorf("list after delete: %s", p.body)
		}
		if p := b.get("/console/apps/" + id); p.status != http.StatusNotFound {
			t.Errorf("deleted application's page: %d", p.status)
		}
		if r := e.clientCredentials(id, s2); r.status != http.StatusUnauthorized {
			t.Errorf("deleted application got a token: %d", r.status)
		}
	})
}

// TestConsoleAppsRefused: the pages are for admins, and a form that is
// stale or comes from elsewhere changes nothing.
func TestConsoleAppsRefused(t *testing.T) {
	e := startServer(t, "")
	admin := e.consoleAdmin(t)
	before := e.countApps()
	form := appForm("Sneaky", "confidential", []string{"client_credentials"}, nil)

	stale := url.Values{"csrf_token": {"a-token-from-an-old-page"}}
	for k, v := range form {
		stale[k] = v
	}
	if p := admin.submit("/console/apps", stale); p.status != http.StatusForbidden || !strings.Contains(p.body, "This form expired") {
		t.Errorf("stale CSRF token: %d %s", p.status, p.body)
	}
	if p := admin.submit("/console/apps/"+e.clientID+"/secret", url.Values{}); p.status != http.StatusForbidden {
		t.Errorf("rotation without a CSRF token: %d", p.status)
	}
	if r := e.clientCredentials(e.clientID, e.clientSecret); r.status != http.StatusOK {
		t.Errorf("a refused rotation changed the secret: %d", r.status)
	}

	// john.doe administers nothing.
	john := e.browser(t)
	if p := john.consoleSignIn("/console/apps", "john.doe", "s3cret-pw"); p.status != http.StatusForbidden ||
		!strings.Contains(p.body, "This page is for the tenant&#39;s administrators") {
		t.Errorf("non-admin on the applications page: %d %s", p.status, p.body)
	}
	for _, path := range []string{"/console/apps/new", "/console/apps/" + e.clientID, "/console/roles", "/console/apis", "/console/embed"} {
		if p := john.get(path); p.status != http.StatusForbidden {
			t.Errorf("non-admin on %s: %d", path, p.status)
		}
	}
	if p := john.consolePost("/console/apps", form); p.status != http.StatusForbidden {
		t.Errorf("non-admin's create: %d", p.status)
	}
	if p := john.consolePost("/console/apps/"+e.clientID+"/delete", url.Values{}); p.status != http.StatusForbidden {
		t.Errorf("non-admin's delete: %d", p.status)
	}
	if n := e.countApps(); n != before {
		t.Errorf("refused forms changed the applications: %d, want %d", n, before)
	}
}
