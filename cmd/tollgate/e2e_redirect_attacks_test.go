package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// TestRedirectsAndTokens: what held up — redirect URI lookalikes,
// unregistered post-logout targets, hints that are not this tenant's ID
// tokens, userinfo with tokens that are not a user's, a confidential
// client without its secret, markup in names.
func TestRedirectsAndTokens(t *testing.T) {
	e := startServer(t, "")
	ctx := context.Background()
	conf := e.webAppTo("confidential", "https://app.example/cb")
	e.api("PATCH", "/api/v1/entities/applications/"+conf.ClientID, `{"data":{"type":"application","id":"`+conf.ClientID+
		`","attributes":{"name":"<script>alert(1)</script>"}}}`, 200)
	b := e.browser(t)
	verifier := oauth2.GenerateVerifier()
	base := url.Values{"response_type": {"code"}, "client_id": {conf.ClientID}, "state": {"s"}, "scope": {"openid"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
	for _, ru := range []string{"https://APP.example/cb", "https://app.example/cb/", "https://app.example/cb/../cb",
		"https://app.example/%63b", "https://app.example@evil.example/cb", "https://evil.example@app.example/cb",
		"https://app.example.evil.example/cb", "https://аpp.example/cb", "https://app.example/cb?x=1", "https://app.example:443/cb",
		"http://app.example/cb", "https://app.example/cb#", "//evil.example/cb"} {
		q := url.Values{}
		for k, v := range base {
			q[k] = v
		}
		q.Set("redirect_uri", ru)
		if p := b.get("/oauth2/authorize?" + q.Encode()); p.status != http.StatusBadRequest || p.location != "" {
			t.Errorf("redirect_uri %q: %d %q", ru, p.status, p.location)
		}
	}
	// Markup in the client's name and the login hint stays text.
	q := url.Values{}
	for k, v := range base {
		q[k] = v
	}
	q.Set("login_hint", `"><script>x()</script>`)
	p := b.get(b.get("/oauth2/authorize?" + q.Encode()).location)
	if p.status != http.StatusOK || strings.Contains(p.body, "<script>") {
		t.Errorf("sign-in page: %d %s", p.status, p.body)
	}
	// Post-logout redirects only to what is registered, whatever the form.
	for _, target := range []string{"https://evil.example/", "http://127.0.0.1:9/bye/", "http://127.0.0.1:9/BYE", "http://127.0.0.1:9/bye?x"} {
		r := b.get("/oauth2/logout?" + url.Values{"client_id": {conf.ClientID}, "post_logout_redirect_uri": {target}}.Encode())
		if r.status != http.StatusBadRequest || r.location != "" {
			t.Errorf("post_logout_redirect_uri %q: %d %q", target, r.status, r.location)
		}
	}
	// A user's access token, and another tenant's ID token, are no hint.
	f := form(b, "/oauth2/authorize?"+q.Encode())
	f.Set("username", "john.doe")
	f.Set("password", "s3cret-pw")
	code := redirectParams(t, b.submit("/login", f), "https://app.example/cb").Get("code")
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier), oauth2.SetAuthURLParam("redirect_uri", ""))
	if err != nil {
		t.Fatal(err)
	}
	for name, hint := range map[string]string{"access token": tok.AccessToken} {
		r := b.get("/oauth2/logout?" + url.Values{"id_token_hint": {hint}}.Encode())
		if r.status != http.StatusBadRequest {
			t.Errorf("%s as id_token_hint: %d %q", name, r.status, r.location)
		}
	}
	e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"other"}}`, 201)
	if r := b.get("/other/oauth2/logout?" + url.Values{"id_token_hint": {tok.Extra("id_token").(string)}}.Encode()); r.status != http.StatusBadRequest {
		t.Errorf("default's ID token at other's logout: %d", r.status)
	}
	// userinfo: a client's own token, another tenant's path, a revoked token.
	cc := e.post("/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"openid"}}, e.clientID, e.clientSecret)
	if r := e.do("GET", "/oauth2/userinfo", "", "", "Bearer "+cc.str("access_token")); r.status == http.StatusOK {
		t.Errorf("userinfo with a client credentials token: %d %s", r.status, r.raw)
	}
	if r := e.do("GET", "/other/oauth2/userinfo", "", "", "Bearer "+tok.AccessToken); r.status != http.StatusUnauthorized {
		t.Errorf("userinfo at another tenant: %d %s", r.status, r.raw)
	}
	e.post("/oauth2/revoke", url.Values{"token": {tok.RefreshToken}}, conf.ClientID, conf.ClientSecret)
	e.post("/oauth2/revoke", url.Values{"token": {tok.AccessToken}}, conf.ClientID, conf.ClientSecret)
	if r := e.do("GET", "/oauth2/userinfo", "", "", "Bearer "+tok.AccessToken); r.status != http.StatusUnauthorized {
		t.Errorf("userinfo with a revoked token: %d %s", r.status, r.raw)
	}
	// A confidential client that leaves its secret out is refused.
	code = redirectParams(t, b.get("/oauth2/authorize?"+q.Encode()), "https://app.example/cb").Get("code")
	r := e.post("/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
		"client_id": {conf.ClientID}}, "", "")
	if r.status != http.StatusUnauthorized || r.str("error") != "invalid_client" {
		t.Errorf("confidential client without its secret: %d %s", r.status, r.raw)
	}
}

// TestRedirectURIOmittedThenSent: an authorization request that
// leaves redirect_uri out (the client has one) and a token request that
// names that one redirect URI, as x/oauth2 always does: RFC 6749 §4.1.3
// requires the parameter only when the authorization request had it,
// and forbids nothing else; the code went to that URI, and PKCE binds it.
func TestRedirectURIOmittedThenSent(t *testing.T) {
	e := startServer(t, "")
	conf := e.webApp("confidential")
	b := e.browser(t)
	verifier := oauth2.GenerateVerifier()
	authURL := "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {conf.ClientID}, "state": {"s"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}.Encode()
	code := redirectParams(t, b.signIn(authURL, "john.doe", "s3cret-pw"), testRedirect).Get("code")
	if _, err := conf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier)); err != nil {
		t.Errorf("the registered redirect URI sent with the code: %v", err)
	}
	// Another URI than the registered one is refused all the same.
	code = redirectParams(t, b.get(authURL), testRedirect).Get("code")
	r := e.post("/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
		"redirect_uri": {"http://127.0.0.1:9/other"}}, conf.ClientID, conf.ClientSecret)
	if r.status != http.StatusBadRequest || r.str("error") != "invalid_grant" {
		t.Errorf("an unregistered redirect_uri: %d %s", r.status, r.raw)
	}
}

// form follows an authorization URL to the sign-in page's fields.
func form(b *browser, authURL string) url.Values {
	b.t.Helper()
	return b.get(b.get(authURL).location).fields()
}

// TestLoopbackAnyPort: the README promises RFC 8252 §7.3: a
// native app registers http://127.0.0.1/callback (or with a port) and
// listens on whatever port it gets; the port varies, nothing else may.
func TestLoopbackAnyPort(t *testing.T) {
	e := startServer(t, "")
	conf := e.webAppTo("public", "http://127.0.0.1:9/callback")
	six := e.webAppTo("public", "http://[::1]/callback")
	b := e.browser(t)
	verifier := oauth2.GenerateVerifier()
	at := func(c *oauth2.Config, redirect string) *page {
		return b.get("/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {c.ClientID}, "state": {"s"},
			"redirect_uri": {redirect}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)},
			"code_challenge_method": {"S256"}}.Encode())
	}
	p := at(conf, "http://127.0.0.1:51234/callback")
	if p.status != http.StatusSeeOther || !strings.Contains(p.location, "/login?") {
		t.Fatalf("another loopback port: %d %q %s", p.status, p.location, p.body)
	}
	f := b.get(p.location).fields()
	f.Set("username", "john.doe")
	f.Set("password", "s3cret-pw")
	code := redirectParams(t, b.submit("/login", f), "http://127.0.0.1:51234/callback").Get("code")
	c2 := *conf
	c2.RedirectURL = "http://127.0.0.1:51234/callback"
	if _, err := c2.Exchange(context.Background(), code, oauth2.VerifierOption(verifier)); err != nil {
		t.Errorf("redeeming with the port used: %v", err)
	}
	if q := redirectParams(t, at(six, "http://[::1]:40000/callback"), "http://[::1]:40000/callback"); q.Get("code") == "" {
		t.Errorf("[::1] with a port: %v", q)
	}
	for _, bad := range []string{"http://127.0.0.1:51234/callback/", "http://127.0.0.1:51234/other", "http://127.0.0.2:51234/callback",
		"http://localhost:51234/callback", "https://127.0.0.1:51234/callback", "http://127.0.0.1:51234/callback?x=1",
		"http://x@127.0.0.1:51234/callback", "http://127.0.0.1:51234@evil.example/callback", "http://127.0.0.1:0x10/callback",
		"http://127.0.0.1:/callback", "http://127.0.0.1:99999/callback", "http://127.0.0.1:51234#/callback", "http://127.0.0.1:51234/callback#x"} {
		if p := at(conf, bad); p.status != http.StatusBadRequest || p.location != "" {
			t.Errorf("%s: %d %q", bad, p.status, p.location)
		}
	}
}

// TestFormActionForNativeApps: browsers apply form-action to the
// redirects that follow a form's submission, so the sign-in and consent
// pages of an app with a private-use scheme redirect URI must allow that
// scheme, or the browser blocks the way back to the app.
func TestFormActionForNativeApps(t *testing.T) {
	e := startServer(t, "")
	conf := e.webAppTo("public", "com.example.app:/callback")
	b := e.browser(t)
	p := b.get(b.get(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))).location)
	if csp := p.header.Get("Content-Security-Policy"); p.status != http.StatusOK || !strings.Contains(csp, "form-action 'self' com.example.app:;") {
		t.Errorf("sign-in page of a native app: %d, CSP %q", p.status, csp)
	}
}
