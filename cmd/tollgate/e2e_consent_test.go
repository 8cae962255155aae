package main

import (
	"net/http"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// TestConsentForThirdPartyApps: a third-party client gets a consent page
// listing its scopes; the answer is remembered, and the user (or an
// admin) can withdraw it.
func TestConsentForThirdPartyApps(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		conf := e.webApp("confidential")
		e.api("PATCH", "/api/v1/entities/applications/"+conf.ClientID,
			`{"data":{"type":"application","id":"`+conf.ClientID+`","attributes":{"firstParty":false}}}`, 200)
		e.api("PATCH", "/api/v1/entities/scopes/orders:read", `{"data":{"type":"scope","id":"orders:read","attributes":{"description":"Read your orders"}}}`, 200)
		b := e.browser(t)
		verifier := oauth2.GenerateVerifier()
		authURL := conf.AuthCodeURL("c1", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("scope", "openid orders:read"))
		ask := b.signIn(authURL, "john.doe", "s3cret-pw")
		if ask.status != http.StatusOK || !strings.Contains(ask.body, "Read your orders") || !strings.Contains(ask.body, "web app") {
			t.Fatalf("want the consent page, got %d %q %s", ask.status, ask.location, ask.body)
		}
		if csp := ask.header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") ||
			!strings.Contains(csp, "form-action 'self' http://127.0.0.1:9") || strings.Contains(csp, "unsafe-inline") {
			t.Errorf("consent page CSP %q", csp)
		}
		// Deny: access_denied goes back to the client.
		f := ask.fields()
		f.Set("decision", "deny")
		if q := redirectParams(t, b.submit(loginAction(t, ask), f), testRedirect); q.Get("error") != "access_denied" || q.Get("state") != "c1" {
			t.Fatalf("deny: %v", q)
		}
		// Allow: a code, and next time no page.
		ask = b.get(authURL)
		f = ask.fields()
		f.Set("decision", "approve")
		if q := redirectParams(t, b.submit(loginAction(t, ask), f), testRedirect); q.Get("code") == "" {
			t.Fatalf("approve: %v", q)
		}
		if q := redirectParams(t, b.get(authURL), testRedirect); q.Get("code") == "" {
			t.Fatalf("consent not remembered: %v", q)
		}
		// prompt=none with a scope not yet approved: consent_required.
		wider := conf.AuthCodeURL("c2", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "none"),
			oauth2.SetAuthURLParam("scope", "openid orders:read email"))
		if q := redirectParams(t, b.get(wider), testRedirect); q.Get("error") != "consent_required" {
			t.Fatalf("prompt=none, new scope: %v", q)
		}
		// Withdrawn by an admin: the page again.
		list := e.api("GET", "/api/v1/entities/users/john.doe/consents", "", 200)
		if data := list["data"].([]any); len(data) != 1 {
			t.Fatalf("consents %v", list)
		}
		e.api("DELETE", "/api/v1/entities/users/john.doe/consents/"+conf.ClientID, "", 204)
		if p := b.get(authURL); p.status != http.StatusOK || !strings.Contains(p.body, "Allow access?") {
			t.Fatalf("after withdrawal: %d %q", p.status, p.location)
		}
	})
}

// TestAdminEndsSessions: an admin lists a user's sessions and ends them;
// the browser is signed out at once.
func TestAdminEndsSessions(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		conf := e.webApp("confidential")
		b := e.browser(t)
		verifier := oauth2.GenerateVerifier()
		redirectParams(t, b.signIn(conf.AuthCodeURL("a", oauth2.S256ChallengeOption(verifier)), "john.doe", "s3cret-pw"), testRedirect)
		list := e.api("GET", "/api/v1/entities/users/john.doe/sessions", "", 200)
		data := list["data"].([]any)
		if len(data) != 1 {
			t.Fatalf("sessions %v", list)
		}
		id := data[0].(map[string]any)["id"].(string)
		e.api("DELETE", "/api/v1/entities/users/john.doe/sessions/"+id, "", 204)
		none := conf.AuthCodeURL("b", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "none"))
		if q := redirectParams(t, b.get(none), testRedirect); q.Get("error") != "login_required" {
			t.Fatalf("after the admin ended the session: %v", q)
		}
	})
}
