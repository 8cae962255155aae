package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
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
		home := b.consoleSignIn("/console/?tab=users", "john.doe", "s3cret-pw")
		if home.status != http.StatusOK || !strings.Contains(home.body, `<strong id="user">john.doe</strong>`) {
			t.Fatalf("console home: %d %s", home.status, home.body)
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
		if p := b.consoleSignIn("/acme/console/", "ann", "ann-password-1"); p.status != http.StatusOK || !strings.Contains(p.body, "<li>Acme</li>") {
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
