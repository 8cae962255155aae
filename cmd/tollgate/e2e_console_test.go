package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// consoleSignIn opens a console page without a session and follows the
// console's sign-in through the authorization endpoint as the built-in
// client tollgate-console, with username and password, back to the page.
func (b *browser) consoleSignIn(path, username, password string) *page {
	b.t.Helper()
	p := b.get(path)
	if p.status != http.StatusSeeOther || !strings.Contains(p.location, "/oauth2/authorize?") ||
		!strings.Contains(p.location, "client_id=tollgate-console") {
		b.t.Fatalf("console without a session: want a redirect to authorize, got %d %q", p.status, p.location)
	}
	back := b.signIn(p.location, username, password)
	if back.status != http.StatusSeeOther || !strings.Contains(back.location, "/console/callback?") {
		b.t.Fatalf("sign-in did not return to the console's callback: %d %q", back.status, back.location)
	}
	done := b.get(back.location)
	if done.status != http.StatusSeeOther {
		b.t.Fatalf("console callback: %d %s", done.status, done.body)
	}
	return b.get(done.location)
}

// TestConsoleSignsInAsItsOwnClient: the console of each tenant signs in
// through that tenant's authorization endpoint and comes back to the page
// asked for; a session that ended sends the user through sign-in again.
func TestConsoleSignsInAsItsOwnClient(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		b := e.browser(t)
		// john.doe administers nothing: the console's home sends him on
		// to the developer portal.
		home := b.consoleSignIn("/console/?tab=users", "john.doe", "s3cret-pw")
		if home.status != http.StatusSeeOther || home.location != "/console/my/apps" {
			t.Fatalf("console home: %d %q %s", home.status, home.location, home.body)
		}
		e.api("PATCH", "/api/v1/entities/users/john.doe", `{"data":{"type":"user","id":"john.doe","attributes":{"roles":["reader","admin"]}}}`, 200)
		home = b.get("/console/?tab=users")
		if home.status != http.StatusOK || !strings.Contains(home.body, `<span id="user">john.doe</span>`) {
			t.Fatalf("console home of an admin: %d %s", home.status, home.body)
		}
		if csp := home.header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'self'") ||
			!strings.Contains(csp, "frame-ancestors 'none'") || strings.Contains(csp, "unsafe") {
			t.Errorf("console CSP %q", csp)
		}
		if p := b.get("/console/"); p.status != http.StatusOK {
			t.Errorf("signed in, the console asked again: %d %q", p.status, p.location)
		}
		if p := b.get("/console"); p.status != http.StatusMovedPermanently || p.location != "/console/" {
			t.Errorf("/console: %d %q", p.status, p.location)
		}
		// An ended session: through sign-in again, back to the page.
		e.api("DELETE", "/api/v1/entities/users/john.doe/sessions", "", 204)
		if p := b.consoleSignIn("/console/", "john.doe", "s3cret-pw"); p.status != http.StatusOK {
			t.Errorf("after the session ended: %d", p.status)
		}
		// Another tenant's console is another client, with its own users.
		e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"acme","attributes":{"name":"Acme"}}}`, 201)
		e.api("POST", "/acme/api/v1/entities/users", `{"data":{"type":"user","id":"ann","attributes":{"password":"ann-password-1"}}}`, 201)
		if p := b.consoleSignIn("/acme/console/", "ann", "ann-password-1"); p.status != http.StatusSeeOther || p.location != "/acme/console/my/apps" {
			t.Errorf("acme's console: %d %s", p.status, p.body)
		}
	})
}

// TestConsoleCallbackBadInput: the callback takes only the state of a
// sign-in that this browser started, for this tenant.
func TestConsoleCallbackBadInput(t *testing.T) {
	e := startServer(t, "")
	b := e.browser(t)
	start := b.get("/console/")
	back := b.signIn(start.location, "john.doe", "s3cret-pw")
	cb, _ := url.Parse(back.location)
	q := cb.Query()
	q.Set("state", "forged")
	cb.RawQuery = q.Encode()
	if p := b.get(cb.String()); p.status != http.StatusBadRequest || p.location != "" {
		t.Errorf("forged state: %d %q", p.status, p.location)
	}
	// The cookie is spent: the genuine callback no longer works either.
	if p := b.get(back.location); p.status != http.StatusBadRequest {
		t.Errorf("callback after its state was cleared: %d", p.status)
	}
	// Another browser (no state cookie) cannot finish this one's sign-in.
	if p := e.browser(t).get(back.location); p.status != http.StatusBadRequest {
		t.Errorf("callback in another browser: %d", p.status)
	}
	// The console client exists in every tenant but names none on the
	// default tenant's paths, and may use no other grant.
	r := e.post("/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {"tollgate-console"}}, "", "")
	if r.status == http.StatusOK {
		t.Errorf("the console client got client_credentials: %s", r.raw)
	}
	p := b.get("/oauth2/authorize?" + url.Values{"client_id": {"tollgate-console"}, "response_type": {"code"},
		"redirect_uri": {"https://evil.example/console/callback"}}.Encode())
	if p.status != http.StatusBadRequest || p.location != "" {
		t.Errorf("console client with another redirect URI: %d %q", p.status, p.location)
	}
}

// TestFirstTimeSetup: the default tenant's sign-in page takes the
// bootstrap token, which opens a one-hour console session with its rights
// (audited); nothing else passes for it, and no client gets a code for it.
func TestFirstTimeSetup(t *testing.T) {
	e := startServer(t, "")
	b := e.browser(t)
	start := b.get("/console/")
	login := b.get(b.get(start.location).location)
	if !strings.Contains(login.body, "First-time setup") {
		t.Fatalf("the console's sign-in page offers no first-time setup: %s", login.body)
	}
	f := login.fields()
	ask := func(tok string) *page {
		f.Set("bootstrap_token", tok)
		return b.submit("/login", f)
	}
	access := e.passwordToken("").str("access_token")
	for _, wrong := range []string{"nope", access, e.clientSecret} {
		if p := ask(wrong); p.status != http.StatusOK || !strings.Contains(p.body, "That is not the bootstrap token.") {
			t.Errorf("%.12s… as the bootstrap token: %d %q", wrong, p.status, p.location)
		}
	}
	opened := ask(e.admin)
	if opened.status != http.StatusSeeOther || opened.location != "/console/" {
		t.Fatalf("bootstrap token: %d %q", opened.status, opened.location)
	}
	if c := opened.header.Get("Set-Cookie"); !strings.Contains(c, "tollgate-default=tgs_") || !strings.Contains(c, "Max-Age=3600") {
		t.Errorf("session cookie %q", c)
	}
	if p := b.get("/console/"); p.status != http.StatusOK || !strings.Contains(p.body, "the bootstrap token</strong> (first-time setup, until") {
		t.Errorf("console: %d %s", p.status, p.body)
	}
	// The session has the token's rights on the admin API, from this origin.
	req, _ := http.NewRequest(http.MethodPost, e.base+"/api/v1/entities/tenants",
		strings.NewReader(`{"data":{"type":"tenant","id":"setup","attributes":{"name":"Set up"}}}`))
	req.Header.Set("Content-Type", "application/vnd.api+json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if resp, err := b.client.Do(req); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("tenant created with the setup session: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	// No client gets a code for it: a web app's request asks for sign-in.
	conf := e.webApp("confidential")
	if p := b.get(conf.AuthCodeURL("x", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))); !strings.Contains(p.location, "/login?") {
		t.Errorf("authorize with a setup session: %d %q", p.status, p.location)
	}
	// Only the default tenant's page, and only for the console, offer it.
	e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"acme","attributes":{"name":"Acme"}}}`, 201)
	if p := b.get("/acme/login"); strings.Contains(p.body, "First-time setup") {
		t.Error("another tenant's sign-in page offers the setup")
	}
	webLogin := b.get("/login?" + url.Values{"client_id": {conf.ClientID}, "response_type": {"code"}, "redirect_uri": {testRedirect},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(oauth2.GenerateVerifier())}, "code_challenge_method": {"S256"}}.Encode())
	if webLogin.status != http.StatusOK || strings.Contains(webLogin.body, "First-time setup") {
		t.Errorf("a web app's sign-in page offers the setup: %d", webLogin.status)
	}
	evs := e.auditEvents("/api/v1/audit?action=signin", 4)
	if !has(evs, map[string]string{"action": "signin", "outcome": "success", "target": "bootstrap"}) ||
		!has(evs, map[string]string{"action": "signin", "outcome": "failure", "target": "bootstrap"}) {
		t.Errorf("setup sign-ins not audited: %v", evs)
	}
}

// consolePost submits a console form to path as the console's own page
// would: from our origin, with the CSRF token of the browser's cookie.
func (b *browser) consolePost(path string, form url.Values) *page {
	b.t.Helper()
	u, _ := url.Parse(b.e.base)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == "tollgate_csrf" {
			form.Set("csrf_token", c.Value)
		}
	}
	return b.submit(path, form)
}

// consoleAdmin is a browser signed in to the default tenant's console as
// a new user "ada" who holds the built-in role admin.
func (e *env) consoleAdmin(t testing.TB) *browser {
	t.Helper()
	e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"ada","attributes":{"password":"ada-password-1","roles":["admin"]}}}`, 201)
	b := e.browser(t)
	if p := b.consoleSignIn("/console/", "ada", "ada-password-1"); p.status != http.StatusOK {
		t.Fatalf("admin console: %d %s", p.status, p.body)
	}
	return b
}
