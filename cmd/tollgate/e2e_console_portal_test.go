package main

import (
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/tollgate-dev/tollgate/internal/browsertest"
)

// The developer portal end to end: john.doe (role reader: orders:read)
// in the console, through the real server, as a browser sends its forms.

var (
	appLink        = regexp.MustCompile(`href="/console/my/apps/([^"/]+)"`)
	shownSecret    = regexp.MustCompile(`<(?:code|span) id="secret-[a-z0-9-]+">([^<]+)</(?:code|span)>`)
	fieldErrorNote = regexp.MustCompile(`<small id="f-([A-Za-z0-9_]+)-note" class="field-error">([^<]+)</small>`)
)

// secretOn is the one secret p shows, failing when it shows none.
func secretOn(t *testing.T, p *page) string {
	t.Helper()
	m := shownSecret.FindAllStringSubmatch(p.body, -1)
	if len(m) != 1 {
		t.Fatalf("want one secret shown, got %d: %d %s", len(m), p.status, p.body)
	}
	return html.UnescapeString(m[0][1])
}

// fieldErrors are the errors p shows next to its fields, by field.
func fieldErrors(p *page) map[string]string {
	out := map[string]string{}
	for _, m := range fieldErrorNote.FindAllStringSubmatch(p.body, -1) {
		out[m[1]] = html.UnescapeString(m[2])
	}
	return out
}

// registerPortalApp registers an application as b's user and returns its
// client id.
func registerPortalApp(t *testing.T, b *browser, name string) string {
	t.Helper()
	p := b.consolePost("/console/my/apps", url.Values{"name": {name}, "scopes": {"orders:read"}})
	if p.status != http.StatusSeeOther || !strings.Contains(p.location, "?done=registered") {
		t.Fatalf("register: %d %q %s", p.status, p.location, p.body)
	}
	return strings.TrimSuffix(strings.TrimPrefix(p.location, "/console/my/apps/"), "?done=registered")
}

// grantConsent approves conf's request for john.doe, whose session b is.
func grantConsent(t *testing.T, b *browser, conf *oauth2.Config) {
	t.Helper()
	ask := b.get(conf.AuthCodeURL("c", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()), oauth2.SetAuthURLParam("scope", "openid orders:read")))
	if ask.status != http.StatusOK || !strings.Contains(ask.body, "Allow access?") {
		t.Fatalf("want the consent page, got %d %q", ask.status, ask.location)
	}
	f := ask.fields()
	f.Set("decision", "approve")
	if p := b.submit(loginAction(t, ask), f); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, testRedirect+"?") {
		t.Fatalf("approve: %d %q", p.status, p.location)
	}
}

func TestConsolePortalApplications(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		e.createOrdersAPI(upstreamEcho(t).URL)
		b := e.browser(t)
		if p := b.consoleSignIn("/console/my/apps", "john.doe", "s3cret-pw"); p.status != http.StatusOK || !strings.Contains(p.body, `id="no-apps"`) {
			t.Fatalf("my apps: %d %s", p.status, p.body)
		}
		// A scope john.doe lacks is refused next to the field.
		p := b.consolePost("/console/my/apps", url.Values{"name": {"x"}, "scopes": {"orders:write"}})
		if p.status != http.StatusUnprocessableEntity || !strings.Contains(fieldErrors(p)["scopes"], "orders:write") {
			t.Fatalf("app with a scope john.doe lacks: %d %v", p.status, fieldErrors(p))
		}
		id := registerPortalApp(t, b, "John's tool")
		app := e.api("GET", "/api/v1/entities/applications/"+id, "", 200)["data"].(map[string]any)["attributes"].(map[string]any)
		if app["owner"] != "john.doe" || app["firstParty"] != false || app["clientType"] != "confidential" {
			t.Errorf("registered application: %v", app)
		}
		list := b.get("/console/my/apps")
		if m := appLink.FindAllStringSubmatch(list.body, -1); len(m) != 1 || m[0][1] != id {
			t.Errorf("my apps lists %v, want only %s", m, id)
		}
		if strings.Contains(list.body, e.clientID) {
			t.Error("my apps lists the admins' application")
		}

		// The secret, shown once, works for client credentials;
		// regenerating it stops the first.
		cc := func(secret string) *response {
			return e.post("/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}}, id, secret)
		}
		first := secretOn(t, b.consolePost("/console/my/apps/"+id+"/secret", url.Values{}))
		if r := cc(first); r.status != http.StatusOK {
			t.Fatalf("client credentials with the new secret: %d %s", r.status, r.raw)
		}
		if p := b.get("/console/my/apps/" + id); strings.Contains(p.body, first) || !strings.Contains(p.body, "Regenerate secret") {
			t.Error("the app page shows the secret again, or offers no regeneration")
		}
		second := secretOn(t, b.consolePost("/console/my/apps/"+id+"/secret", url.Values{}))
		if r := cc(first); r.status != http.StatusUnauthorized {
			t.Errorf("the old secret after regeneration: %d", r.status)
		}
		if r := cc(second); r.status != http.StatusOK {
			t.Errorf("the new secret: %d %s", r.status, r.raw)
		}

		// Access tokens: the app's own and one for john.doe, each only
		// with scopes both the app and john.doe may hold. An admin gives
		// the app orders:write, which john.doe does not hold: no token of
		// it gets that, not even at the token endpoint.
		e.api("PATCH", "/api/v1/entities/applications/"+id, `{"data":{"type":"application","id":"`+id+`","attributes":{"scopes":["orders:read","orders:write"]}}}`, 200)
		if r := e.post("/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:write"}}, id, second); r.status != http.StatusBadRequest || r.str("error") != "invalid_scope" {
			t.Errorf("client credentials for a scope the owner lacks: %d %s", r.status, r.raw)
		}
		issue := func(grant string, scopes ...string) *page {
			return b.consolePost("/console/my/apps/"+id+"/token", url.Values{"grant": {grant}, "scope": scopes, "validity": {"15"}})
		}
		for _, c := range []struct{ grant, sub string }{{"client_credentials", id}, {"myself", "john.doe"}} {
			p := issue(c.grant, "orders:read")
			tok := secretOn(t, p)
			in := e.introspect(tok)
			exp := time.Unix(int64(in["exp"].(float64)), 0)
			if in["active"] != true || in["scope"] != "orders:read" || in["sub"] != c.sub || in["client_id"] != id ||
				time.Until(exp) > 15*time.Minute || time.Until(exp) < 14*time.Minute {
				t.Errorf("%s token: %v", c.grant, in)
			}
			if !strings.Contains(p.body, `id="token-claims"`) || !strings.Contains(p.body, "&#34;sub&#34;: &#34;"+c.sub+"&#34;") ||
				!strings.Contains(p.body, `curl -H "Authorization: Bearer <span id="secret-access-token">`+tok+`</span>" `+e.app.GatewayURL()+`/orders/v1/items/{id}`) {
				t.Errorf("%s: the page shows no claims or ready-made call: %s", c.grant, p.body)
			}
			if r := e.gatewayDo("GET", "/orders/v1/items/1", tok, nil); r.status != http.StatusOK {
				t.Errorf("%s token at the gateway: %d %s", c.grant, r.status, r.raw)
			}
			p = issue(c.grant, "orders:read", "orders:write")
			if p.status != http.StatusUnprocessableEntity || !strings.Contains(fieldErrors(p)["scope"], `hold`) ||
				shownSecret.MatchString(p.body) {
				t.Errorf("%s with a scope john.doe lacks: %d %v", c.grant, p.status, fieldErrors(p))
			}
		}
		p = b.consolePost("/console/my/apps/"+id+"/token", url.Values{"grant": {"myself"}, "scope": {"orders:read"}, "validity": {"61"}})
		if p.status != http.StatusUnprocessableEntity || fieldErrors(p)["validity"] == "" {
			t.Errorf("longer than the app's lifetime: %d %v", p.status, fieldErrors(p))
		}

		// Another user neither sees nor touches john.doe's app.
		e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"mallory","attributes":{"password":"mallory-pw-1","roles":["reader"]}}}`, 201)
		m := e.browser(t)
		if p := m.consoleSignIn("/console/my/apps", "mallory", "mallory-pw-1"); strings.Contains(p.body, id) {
			t.Error("mallory's apps list john.doe's")
		}
		for _, path := range []string{"/secret", "/token", "/delete"} {
			if p := m.consolePost("/console/my/apps/"+id+path, url.Values{"grant": {"client_credentials"}, "scope": {"orders:read"}, "validity": {"5"}}); p.status != http.StatusNotFound || shownSecret.MatchString(p.body) {
				t.Errorf("mallory POST %s: %d", path, p.status)
			}
		}
		if p := m.get("/console/my/apps/" + id); p.status != http.StatusNotFound {
			t.Errorf("mallory GET john.doe's app: %d", p.status)
		}
		// A stale CSRF token changes nothing.
		p = b.submit("/console/my/apps/"+id+"/delete", url.Values{"csrf_token": {"stale"}})
		if p.status != http.StatusForbidden {
			t.Errorf("stale CSRF: %d", p.status)
		}
		if r := cc(second); r.status != http.StatusOK {
			t.Errorf("after refused forms the secret no longer works: %d", r.status)
		}
		if p := b.consolePost("/console/my/apps/"+id+"/delete", url.Values{}); p.status != http.StatusSeeOther {
			t.Fatalf("delete: %d", p.status)
		}
		e.api("GET", "/api/v1/entities/applications/"+id, "", 404)
	})
}

func TestConsolePortalTokensSessionsAPIs(t *testing.T) {
	e := startServer(t, "")
	upstream := upstreamEcho(t).URL
	e.createOrdersAPI(upstream)
	b := e.browser(t)
	b.consoleSignIn("/console/my/tokens", "john.doe", "s3cret-pw")

	// An API token of 30 days, shown once, works on the admin API.
	p := b.consolePost("/console/my/tokens", url.Values{"id": {"laptop"}, "description": {"my laptop"}, "scopes": {"orders:read"}, "expiresAt": {"30d"}})
	if p.status != http.StatusCreated {
		t.Fatalf("create token: %d %s", p.status, p.body)
	}
	tok := secretOn(t, p)
	if !strings.Contains(p.body, `Bearer <span id="secret-api-token-laptop">`+tok+`</span>" `+e.base+`/api/v1/entities/users/john.doe`) {
		t.Errorf("no usage example: %s", p.body)
	}
	e.apiAs(tok, "GET", "/api/v1/entities/users/john.doe", "", 200)
	rec := e.api("GET", "/api/v1/entities/users/john.doe/apiTokens/laptop", "", 200)
	if exp := expiresAt(t, rec); time.Until(exp) < 29*24*time.Hour || time.Until(exp) > 30*24*time.Hour {
		t.Errorf("expires %v, want in 30 days", exp)
	}
	if l := b.get("/console/my/tokens"); strings.Contains(l.body, tok) || !strings.Contains(l.body, "<code>laptop</code>") {
		t.Error("the list shows the token again, or not its record")
	}
	// A scope john.doe lacks, and an expiry beyond the tenant's cap, are
	// refused next to their fields.
	p = b.consolePost("/console/my/tokens", url.Values{"id": {"x"}, "scopes": {"orders:write"}, "expiresAt": {"7d"}})
	if p.status != http.StatusUnprocessableEntity || fieldErrors(p)["scopes"] == "" {
		t.Errorf("token with a scope john.doe lacks: %d %v", p.status, fieldErrors(p))
	}
	e.setMaxTTL(e.admin, 30*24*3600, 200)
	p = b.consolePost("/console/my/tokens", url.Values{"id": {"long"}, "expiresAt": {"90d"}})
	if p.status != http.StatusUnprocessableEntity || !strings.Contains(fieldErrors(p)["expiresAt"], "maximum") || shownSecret.MatchString(p.body) {
		t.Errorf("beyond the cap: %d %v", p.status, fieldErrors(p))
	}
	if p := b.consolePost("/console/my/tokens/laptop/delete", url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("delete token: %d", p.status)
	}
	e.apiAs(tok, "GET", "/api/v1/entities/users/john.doe", "", 401)

	// Ending another session signs that browser out.
	other := e.browser(t)
	other.consoleSignIn("/console/my/sessions", "john.doe", "s3cret-pw")
	sessions := e.api("GET", "/api/v1/entities/users/john.doe/sessions", "", 200)["data"].([]any)
	page := b.get("/console/my/sessions")
	var otherID string
	for _, s := range sessions {
		id := s.(map[string]any)["id"].(string)
		if strings.Contains(page.body, "/my/sessions/"+id+"/end") {
			otherID = id
		}
	}
	if len(sessions) != 2 || otherID == "" || strings.Count(page.body, "this browser") != 1 {
		t.Fatalf("sessions page: %d sessions, other %q: %s", len(sessions), otherID, page.body)
	}
	if p := b.consolePost("/console/my/sessions/"+otherID+"/end", url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("end session: %d", p.status)
	}
	if p := other.get("/console/my/apps"); p.status != http.StatusSeeOther || !strings.Contains(p.location, "/oauth2/authorize?") {
		t.Errorf("the ended session still works: %d %q", p.status, p.location)
	}
	if p := b.get("/console/my/apps"); p.status != http.StatusOK {
		t.Errorf("this browser was signed out too: %d", p.status)
	}

	// Revoking a consent: the third-party client asks again.
	conf := e.thirdParty()
	grantConsent(t, b, conf)
	if cs := e.api("GET", "/api/v1/entities/users/john.doe/consents", "", 200)["data"].([]any); len(cs) != 1 {
		t.Fatalf("consents: %v", cs)
	}
	if p := b.consolePost("/console/my/consents/"+conf.ClientID+"/revoke", url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("revoke consent: %d", p.status)
	}
	if cs := e.api("GET", "/api/v1/entities/users/john.doe/consents", "", 200)["data"].([]any); len(cs) != 0 {
		t.Errorf("consents after revoke: %v", cs)
	}

	// The APIs page: held and missing scopes, no upstream.
	p = b.get("/console/my/apis")
	if !strings.Contains(p.body, `<span class="held">✓ orders:read`) || !strings.Contains(p.body, `<span class="missing">✗ orders:write`) ||
		strings.Contains(p.body, upstream) {
		t.Errorf("APIs page: %s", p.body)
	}
}

// TestConsolePortalInChromium: every portal page, with an application
// registered from the keyboard and a token generated, breaks nothing in
// the browser (CSP, form issues) and fits a 390-px phone without
// scrolling sideways (tables scroll in their own box).
func TestConsolePortalInChromium(t *testing.T) {
	ctx := browsertest.New(t)
	e := startServer(t, "")
	e.createOrdersAPI(upstreamEcho(t).URL)
	act(t, ctx, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Navigate(e.base+"/console/my/apps"), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "john.doe"), chromedp.SendKeys(chromedp.ID("password"), "s3cret-pw\r"),
		chromedp.WaitVisible(chromedp.ID("f-name")), chromedp.Click(chromedp.CSS(`input[name=scopes][value="orders:read"]`)),
		chromedp.SendKeys(chromedp.ID("f-name"), "Phone app\r"), chromedp.WaitVisible(chromedp.ID("client-id")))
	act(t, ctx, chromedp.Click(chromedp.CSS(`input[name=scope][value="orders:read"]`)),
		chromedp.Click(chromedp.CSS(`form[action$="/token"] button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("token-claims")))
	browsertest.Screenshot(t, ctx, "portal-token-phone")
	for _, path := range []string{"", "/console/my/tokens", "/console/my/sessions", "/console/my/apis", "/console/my/apps"} {
		if path != "" {
			act(t, ctx, chromedp.Navigate(e.base+path), chromedp.WaitVisible(chromedp.ID("user")))
		}
		var fit struct{ ScrollWidth, InnerWidth float64 }
		awaitJS(t, ctx, `Promise.resolve({ScrollWidth: document.documentElement.scrollWidth, InnerWidth: innerWidth})`, &fit)
		if fit.ScrollWidth > fit.InnerWidth {
			t.Errorf("%s on a 390px phone: %+v, want no horizontal scrolling", path, fit)
		}
	}
	browsertest.Settle(t, ctx)
	browsertest.CheckNoProblems(t, ctx)
}
