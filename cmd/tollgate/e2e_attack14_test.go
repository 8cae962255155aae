package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
)

// Issue 14 attack review: browser sign-in seen from an adversary's side.

// TestAttack14TenantNamedCSRF: a tenant whose slug is "csrf" gets a
// session cookie named like the pages' CSRF cookie ("tollgate-csrf");
// each page then overwrites the session with a CSRF token, so sign-in in
// that tenant never sticks (and the two secrets share one cookie).
func TestAttack14TenantNamedCSRF(t *testing.T) {
	e := startServer(t, "")
	e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"csrf","attributes":{"name":"CSRF Inc"}}}`, 201)
	e.api("POST", "/csrf/api/v1/entities/users", `{"data":{"type":"user","id":"carol","attributes":{"password":"carol-pw-123"}}}`, 201)
	app := attrs(e.api("POST", "/csrf/api/v1/entities/applications", `{"data":{"type":"application","attributes":{"name":"c web",
		"grantTypes":["authorization_code"],"redirectUris":["`+testRedirect+`"]}}}`, 201))
	conf := &oauth2.Config{ClientID: app["clientId"].(string), ClientSecret: app["clientSecret"].(string), RedirectURL: testRedirect,
		Endpoint: oauth2.Endpoint{AuthURL: e.base + "/csrf/oauth2/authorize", TokenURL: e.base + "/csrf/oauth2/token"}}
	b := e.browser(t)
	verifier := oauth2.GenerateVerifier()
	q := redirectParams(t, b.signIn(conf.AuthCodeURL("a", oauth2.S256ChallengeOption(verifier)), "carol", "carol-pw-123"), testRedirect)
	if q.Get("code") == "" {
		t.Fatalf("sign-in: %v", q)
	}
	// Any page render (here the sign-in page of the default tenant) must
	// not clobber the session.
	b.get("/login")
	again := b.get(conf.AuthCodeURL("b", oauth2.S256ChallengeOption(verifier)))
	if again.status != http.StatusSeeOther || !strings.HasPrefix(again.location, testRedirect+"?") {
		t.Fatalf("single sign-on in tenant csrf lost the session: %d %q", again.status, again.location)
	}
}

// TestAttack14SessionFixation: a session cookie planted before sign-in
// (here: the attacker's own live session) is ended by the sign-in, and
// the victim gets a new one.
func TestAttack14SessionFixation(t *testing.T) {
	e := startServer(t, "")
	e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"mallory","attributes":{"password":"mallory-pw-1"}}}`, 201)
	conf := e.webApp("confidential")
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier))
	attacker := e.browser(t)
	redirectParams(t, attacker.signIn(authURL, "mallory", "mallory-pw-1"), testRedirect)
	u, _ := url.Parse(e.base)
	var planted *http.Cookie
	for _, c := range attacker.client.Jar.Cookies(u) {
		if c.Name == "tollgate-default" {
			planted = c
		}
	}
	if planted == nil {
		t.Fatalf("no session cookie: %v", attacker.client.Jar.Cookies(u))
	}
	victim := e.browser(t)
	victim.client.Jar.SetCookies(u, []*http.Cookie{{Name: planted.Name, Value: planted.Value, Path: "/"}})
	// With the planted session the victim is mallory without a form:
	// that is login CSRF by cookie injection, which needs a cookie write
	// on our origin; the sign-in below must not keep it, though.
	p := victim.get(conf.AuthCodeURL("v", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "login")))
	form := victim.get(p.location)
	f := form.fields()
	f.Set("username", "john.doe")
	f.Set("password", "s3cret-pw")
	code := redirectParams(t, victim.submit(loginAction(t, form), f), testRedirect).Get("code")
	tok, err := conf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if in := e.introspect(tok.AccessToken); in["sub"] != "john.doe" {
		t.Fatalf("victim's token for %v", in["sub"])
	}
	// The planted session is over: the attacker's browser is signed out.
	none := attacker.get(conf.AuthCodeURL("n", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "none")))
	if q := redirectParams(t, none, testRedirect); q.Get("error") != "login_required" {
		t.Errorf("planted session survived the victim's sign-in: %v", q)
	}
	for _, c := range victim.client.Jar.Cookies(u) {
		if c.Name == "tollgate-default" && c.Value == planted.Value {
			t.Error("victim still carries the planted session id")
		}
	}
}

// thirdParty is a web application that gets the consent page.
func (e *env) thirdParty() *oauth2.Config {
	conf := e.webApp("confidential")
	e.api("PATCH", "/api/v1/entities/applications/"+conf.ClientID,
		`{"data":{"type":"application","id":"`+conf.ClientID+`","attributes":{"firstParty":false}}}`, 200)
	return conf
}

// TestAttack14ConsentAfterForcedLogin: prompt=login (or max_age=0) to a
// third-party client: the user signs in, approves, and gets a code; the
// approval must not send them back to the sign-in form for ever.
func TestAttack14ConsentAfterForcedLogin(t *testing.T) {
	e := startServer(t, "")
	conf := e.thirdParty()
	for _, extra := range []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("prompt", "login"), oauth2.SetAuthURLParam("max_age", "0")} {
		b := e.browser(t)
		verifier := oauth2.GenerateVerifier()
		authURL := conf.AuthCodeURL("c", oauth2.S256ChallengeOption(verifier), extra, oauth2.SetAuthURLParam("scope", "openid orders:read"))
		ask := b.signIn(authURL, "john.doe", "s3cret-pw")
		if ask.status != http.StatusOK || !strings.Contains(ask.body, "Allow access?") {
			t.Fatalf("want the consent page, got %d %q", ask.status, ask.location)
		}
		f := ask.fields()
		f.Set("decision", "approve")
		p := b.submit(loginAction(t, ask), f)
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, testRedirect+"?") {
			t.Errorf("%s: approving sent the browser to %d %q, not the client", ask.fields().Get("authz"), p.status, p.location)
			continue
		}
		code := redirectParams(t, p, testRedirect).Get("code")
		if _, err := conf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier)); err != nil {
			t.Error(err)
		}
		e.api("DELETE", "/api/v1/entities/users/john.doe/consents/"+conf.ClientID, "", 204)
	}
}

// TestAttack14SignInDuringOutage: with the database frozen or down, the
// sign-in pages answer a 503 page within about --database-timeout, with
// no detail of the failure, never a hang or a 500.
func TestAttack14SignInDuringOutage(t *testing.T) {
	c := pgtest.NewCluster(t)
	const timeout = 500 * time.Millisecond
	cfg := testConfig(t, c.DSN("postgres"))
	cfg.DatabaseTimeout = timeout
	e := startWith(t, cfg)
	e.federated(t)
	conf := e.webApp("confidential")
	signedIn := e.browser(t)
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier))
	redirectParams(t, signedIn.signIn(authURL, "john.doe", "s3cret-pw"), testRedirect)
	anon := e.browser(t)
	login := anon.get(anon.get(authURL).location)
	form := login.fields()
	form.Set("username", "john.doe")
	form.Set("password", "s3cret-pw")
	warmed := time.Now()
	time.Sleep(5*time.Second + 500*time.Millisecond - time.Since(warmed)) // client and tenant caches expire
	for _, outage := range c.Outages() {
		t.Run(outage.Name, func(t *testing.T) {
			if err := outage.Down(); err != nil {
				t.Fatal(err)
			}
			for _, step := range []struct {
				name string
				do   func() *page
			}{
				{"authorize, signed in", func() *page { return signedIn.get(authURL) }},
				{"authorize", func() *page { return anon.get(authURL) }},
				{"sign-in page", func() *page { return anon.get("/login?" + login.fields().Get("authz")) }},
				{"sign-in", func() *page { return anon.submit("/login", form) }},
				{"logout", func() *page { return signedIn.get("/oauth2/logout") }},
				{"provider's callback", func() *page { return anon.get("/shop/login/callback/corp?state=x&code=y") }},
			} {
				began := time.Now()
				p := step.do()
				if took := time.Since(began); took > 4*timeout {
					t.Errorf("%s: answered after %v", step.name, took)
				}
				if p.status != http.StatusServiceUnavailable || strings.Contains(p.body, "sql") || strings.Contains(p.body, "postgres") {
					t.Errorf("%s: %d %q %s, want a 503 page", step.name, p.status, p.location, p.body)
				}
			}
			if err := outage.Back(); err != nil {
				t.Fatal(err)
			}
			within(t, 10*time.Second, "token endpoint after the outage", func() *response { return e.passwordToken("orders:read") }, 200)
		})
	}
}

// TestAttack14RedirectsAndTokens: what held up — redirect URI lookalikes,
// unregistered post-logout targets, hints that are not this tenant's ID
// tokens, userinfo with tokens that are not a user's, a confidential
// client without its secret, markup in names.
func TestAttack14RedirectsAndTokens(t *testing.T) {
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

// TestAttack14RedirectURIOmittedThenSent: an authorization request that
// leaves redirect_uri out (the client has one) and a token request that
// names that one redirect URI, as x/oauth2 always does: RFC 6749 §4.1.3
// requires the parameter only when the authorization request had it,
// and forbids nothing else; the code went to that URI, and PKCE binds it.
func TestAttack14RedirectURIOmittedThenSent(t *testing.T) {
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

// TestAttack14LoopbackAnyPort: the README promises RFC 8252 §7.3: a
// native app registers http://127.0.0.1/callback (or with a port) and
// listens on whatever port it gets; the port varies, nothing else may.
func TestAttack14LoopbackAnyPort(t *testing.T) {
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

// TestAttack14FormActionForNativeApps: browsers apply form-action to the
// redirects that follow a form's submission, so the sign-in and consent
// pages of an app with a private-use scheme redirect URI must allow that
// scheme, or the browser blocks the way back to the app.
func TestAttack14FormActionForNativeApps(t *testing.T) {
	e := startServer(t, "")
	conf := e.webAppTo("public", "com.example.app:/callback")
	b := e.browser(t)
	p := b.get(b.get(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))).location)
	if csp := p.header.Get("Content-Security-Policy"); p.status != http.StatusOK || !strings.Contains(csp, "form-action 'self' com.example.app:;") {
		t.Errorf("sign-in page of a native app: %d, CSP %q", p.status, csp)
	}
}

// TestAttack14RaceAndCrossTenant: a code redeemed by many requests at
// once gives tokens once; a default-tenant session does not sign a user
// in for another tenant's client reached on the default tenant's paths;
// logout by a bare link asks first.
func TestAttack14RaceAndCrossTenant(t *testing.T) {
	e := startServer(t, "")
	conf := e.webApp("public")
	b := e.browser(t)
	verifier := oauth2.GenerateVerifier()
	code := redirectParams(t, b.signIn(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), "john.doe", "s3cret-pw"), testRedirect).Get("code")
	ok := make(chan bool, 16)
	for range 16 {
		go func() {
			r := e.post("/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
				"redirect_uri": {testRedirect}, "client_id": {conf.ClientID}}, "", "")
			ok <- r.status == http.StatusOK
		}()
	}
	wins := 0
	for range 16 {
		if <-ok {
			wins++
		}
	}
	if wins != 1 {
		t.Errorf("%d concurrent redemptions of one code succeeded", wins)
	}
	// john.doe's default-tenant session; shop's client on default paths.
	e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"shop"}}`, 201)
	e.api("POST", "/shop/api/v1/entities/users", `{"data":{"type":"user","id":"john.doe","attributes":{"password":"other-pw-123"}}}`, 201)
	shop := attrs(e.api("POST", "/shop/api/v1/entities/applications", `{"data":{"type":"application","attributes":{"name":"Shop",
		"grantTypes":["authorization_code"],"redirectUris":["`+testRedirect+`"]}}}`, 201))
	viaDefault := "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {shop["clientId"].(string)}, "state": {"x"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}.Encode()
	if p := b.get(viaDefault); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/shop/login?") {
		t.Errorf("default's session for shop's client: %d %q", p.status, p.location)
	}
	// The default tenant's password does not open shop's john.doe.
	f := form(b, viaDefault)
	f.Set("username", "john.doe")
	f.Set("password", "s3cret-pw")
	if p := b.submit("/shop/login", f); p.status != http.StatusOK || !strings.Contains(p.body, "Wrong username or password.") {
		t.Errorf("default's password at shop: %d %q", p.status, p.location)
	}
	// A bare logout link asks; the session lives on.
	if p := b.get("/oauth2/logout"); p.status != http.StatusOK || !strings.Contains(p.body, "Sign out") {
		t.Errorf("logout link: %d %q", p.status, p.location)
	}
	none := b.get(conf.AuthCodeURL("n", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "none")))
	if q := redirectParams(t, none, testRedirect); q.Get("code") == "" {
		t.Errorf("signed out by a link: %v", q)
	}
}

// TestAttack14NoPasswordHintEnumerates: the sign-in page answers a user
// without a local password (one a provider signs in) as it answers an
// unknown name, so it tells no one which names are federated accounts;
// the hint to use a provider's button is on every refusal instead.
func TestAttack14NoPasswordHintEnumerates(t *testing.T) {
	e := startServer(t, "")
	e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"fed.user"}}`, 201)
	conf := e.webApp("confidential")
	b := e.browser(t)
	f := form(b, conf.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	f.Set("password", "any-guess-1")
	f.Set("username", "fed.user")
	known := b.submit("/login", f)
	f.Set("username", "nobody.here")
	unknown := b.submit("/login", f)
	same := func(p *page, name string) string { return strings.ReplaceAll(p.body, name, "NAME") }
	if known.status != unknown.status || same(known, "fed.user") != same(unknown, "nobody.here") {
		t.Errorf("the answer tells a federated account from an unknown name:\n%s\n---\n%s", known.body, unknown.body)
	}
}
