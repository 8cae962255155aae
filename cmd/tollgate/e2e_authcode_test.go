package main

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

const testRedirect = "http://127.0.0.1:9/callback"

// webApp creates a first-party application that signs users in from a
// browser, of clientType kind, and its x/oauth2 configuration.
func (e *env) webApp(kind string) *oauth2.Config {
	e.t.Helper()
	return e.webAppTo(kind, testRedirect)
}

// webAppTo is webApp with redirectURI as the application's one redirect
// URI.
func (e *env) webAppTo(kind, redirectURI string) *oauth2.Config {
	e.t.Helper()
	doc := e.api("POST", "/api/v1/entities/applications", `{"data":{"type":"application","attributes":{"name":"web app",
		"clientType":"`+kind+`","grantTypes":["authorization_code","refresh_token"],"scopes":["orders:read","orders:write"],
		"redirectUris":["`+redirectURI+`"],"postLogoutRedirectUris":["http://127.0.0.1:9/bye"]}}}`, 201)
	a := attrs(doc)
	secret, _ := a["clientSecret"].(string)
	style := oauth2.AuthStyleInHeader
	if kind == "public" {
		style = oauth2.AuthStyleInParams
	}
	return &oauth2.Config{
		ClientID: a["clientId"].(string), ClientSecret: secret, RedirectURL: redirectURI,
		Endpoint: oauth2.Endpoint{AuthURL: e.base + "/oauth2/authorize", TokenURL: e.base + "/oauth2/token", AuthStyle: style},
		Scopes:   []string{oidc.ScopeOpenID, "profile", "email", "orders:read"},
	}
}

// TestAuthorizationCodeWithRealClients: x/oauth2 drives the code flow
// with PKCE through the sign-in form; go-oidc verifies the ID token
// (signature, issuer, audience, nonce, at_hash) and calls userinfo.
func TestAuthorizationCodeWithRealClients(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		e.api("PATCH", "/api/v1/entities/users/john.doe", `{"data":{"type":"user","id":"john.doe","attributes":{"email":"john@example.com","displayName":"John Doe"}}}`, 200)
		conf := e.webApp("confidential")
		b := e.browser(t)
		verifier := oauth2.GenerateVerifier()
		authURL := conf.AuthCodeURL("st4te", oauth2.S256ChallengeOption(verifier), oidc.Nonce("n0nce"))
		q := redirectParams(t, b.signIn(authURL, "john.doe", "s3cret-pw"), testRedirect)
		if q.Get("state") != "st4te" || q.Get("iss") != e.base || q.Get("code") == "" {
			t.Fatalf("authorization response %v", q)
		}
		tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		if tok.RefreshToken == "" || tok.AccessToken == "" {
			t.Fatalf("token %+v", tok)
		}
		provider, err := oidc.NewProvider(ctx, e.base)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := tok.Extra("id_token").(string)
		idt, err := provider.Verifier(&oidc.Config{ClientID: conf.ClientID}).Verify(ctx, raw)
		if err != nil {
			t.Fatal(err)
		}
		if idt.Subject != "john.doe" || idt.Nonce != "n0nce" {
			t.Errorf("ID token sub %q nonce %q", idt.Subject, idt.Nonce)
		}
		if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
			t.Errorf("at_hash: %v", err)
		}
		var claims struct {
			SID      string   `json:"sid"`
			AMR      []string `json:"amr"`
			AuthTime int64    `json:"auth_time"`
			Name     string   `json:"name"`
			Username string   `json:"preferred_username"`
			Email    string   `json:"email"`
		}
		if err := idt.Claims(&claims); err != nil {
			t.Fatal(err)
		}
		if claims.SID == "" || !slices.Equal(claims.AMR, []string{"pwd"}) || claims.AuthTime == 0 ||
			claims.Name != "John Doe" || claims.Username != "john.doe" || claims.Email != "john@example.com" {
			t.Errorf("ID token claims %+v", claims)
		}
		info, err := provider.UserInfo(ctx, oauth2.StaticTokenSource(tok))
		if err != nil {
			t.Fatal(err)
		}
		if info.Subject != "john.doe" || info.Email != "john@example.com" {
			t.Errorf("userinfo %+v", info)
		}
		// The access token carries the API scope the role allows, and
		// the OpenID Connect ones.
		if in := e.introspect(tok.AccessToken); in["active"] != true || in["scope"] != "openid profile email orders:read" {
			t.Errorf("introspection %v", in)
		}

		// Signed in: the next authorization needs no form.
		verifier2 := oauth2.GenerateVerifier()
		again := b.get(conf.AuthCodeURL("s2", oauth2.S256ChallengeOption(verifier2)))
		if q2 := redirectParams(t, again, testRedirect); q2.Get("code") == "" || q2.Get("state") != "s2" {
			t.Fatalf("single sign-on: %v", q2)
		}

		// The code again: invalid_grant, and what it gave is revoked.
		_, err = conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
		if re := (*oauth2.RetrieveError)(nil); !asRetrieve(err, &re) || re.ErrorCode != "invalid_grant" {
			t.Fatalf("second redemption: %v", err)
		}
		if in := e.introspect(tok.AccessToken); in["active"] != false {
			t.Errorf("the access token of a replayed code is still active: %v", in)
		}
		if _, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token(); err == nil {
			t.Error("the refresh token of a replayed code still works")
		}

		// RP-initiated logout with the ID token as hint ends the session.
		out := b.get("/oauth2/logout?" + url.Values{"id_token_hint": {raw}, "state": {"bye1"},
			"post_logout_redirect_uri": {"http://127.0.0.1:9/bye"}}.Encode())
		if p := redirectParams(t, out, "http://127.0.0.1:9/bye"); p.Get("state") != "bye1" {
			t.Fatalf("logout redirect %v", p)
		}
		none := b.get(conf.AuthCodeURL("s3", oauth2.S256ChallengeOption(verifier2), oauth2.SetAuthURLParam("prompt", "none")))
		if p := redirectParams(t, none, testRedirect); p.Get("error") != "login_required" || p.Get("state") != "s3" || p.Get("iss") != e.base {
			t.Fatalf("prompt=none after logout: %v", p)
		}
	})
}

func asRetrieve(err error, re **oauth2.RetrieveError) bool {
	r, ok := err.(*oauth2.RetrieveError)
	*re = r
	return ok
}

// TestPublicClient: a browser app without a secret exchanges its code
// with client_id and the verifier only, and refreshes the same way.
func TestPublicClient(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		conf := e.webApp("public")
		if conf.ClientSecret != "" {
			t.Fatal("a public client got a secret")
		}
		b := e.browser(t)
		verifier := oauth2.GenerateVerifier()
		q := redirectParams(t, b.signIn(conf.AuthCodeURL("x", oauth2.S256ChallengeOption(verifier)), "john.doe", "s3cret-pw"), testRedirect)
		tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		next, err := conf.TokenSource(ctx, &oauth2.Token{RefreshToken: tok.RefreshToken}).Token()
		if err != nil || next.RefreshToken == tok.RefreshToken {
			t.Fatalf("refresh of a public client: %v %+v", err, next)
		}
		// A public client may not pretend to have a secret, nor use
		// client_credentials.
		r := e.post("/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {next.RefreshToken}}, conf.ClientID, "guess")
		if r.status != http.StatusUnauthorized || r.str("error") != "invalid_client" {
			t.Errorf("public client with a secret: %d %s", r.status, r.raw)
		}
		r = e.post("/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {conf.ClientID}}, "", "")
		if r.status == http.StatusOK {
			t.Errorf("public client got client_credentials: %s", r.raw)
		}
	})
}

// TestAuthorizeBadInput: what RFC 6749 §4.1.2.1 says may not redirect is
// shown on a page; the rest goes back to the client with state and iss.
func TestAuthorizeBadInput(t *testing.T) {
	e := startServer(t, "")
	ctx := context.Background()
	conf := e.webApp("confidential")
	other := e.webApp("confidential")
	b := e.browser(t)
	verifier := oauth2.GenerateVerifier()
	good := url.Values{"response_type": {"code"}, "client_id": {conf.ClientID}, "redirect_uri": {testRedirect},
		"state": {"s"}, "code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}
	with := func(k, v string) string {
		q := url.Values{}
		for name, vs := range good {
			q[name] = slices.Clone(vs)
		}
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
		return "/oauth2/authorize?" + q.Encode()
	}
	for _, c := range []struct{ name, url string }{
		{"unknown client", with("client_id", "NOPE")},
		{"no client", with("client_id", "")},
		{"unregistered redirect", with("redirect_uri", "http://127.0.0.1:9/other")},
		{"redirect with a fragment", with("redirect_uri", testRedirect+"#x")},
		{"repeated client_id", with("client_id", conf.ClientID) + "&client_id=" + conf.ClientID},
	} {
		p := b.get(c.url)
		if p.status != http.StatusBadRequest || p.location != "" || !strings.Contains(p.header.Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%s: want a 400 page and no redirect, got %d %q", c.name, p.status, p.location)
		}
	}
	for _, c := range []struct{ name, url, code string }{
		{"no PKCE", with("code_challenge", ""), "invalid_request"},
		{"plain PKCE", with("code_challenge_method", "plain"), "invalid_request"},
		{"implicit", with("response_type", "token"), "unsupported_response_type"},
		{"no session with prompt=none", with("prompt", "none"), "login_required"},
		{"request object", with("request", "eyJ"), "request_not_supported"},
	} {
		q := redirectParams(t, b.get(c.url), testRedirect)
		if q.Get("error") != c.code || q.Get("state") != "s" || q.Get("iss") != e.base {
			t.Errorf("%s: %v", c.name, q)
		}
	}
	code := redirectParams(t, b.signIn(with("", ""), "john.doe", "s3cret-pw"), testRedirect).Get("code")
	// A wrong verifier and another client's exchange both fail; the
	// first use consumes the code.
	if _, err := other.Exchange(ctx, code, oauth2.VerifierOption(verifier)); err == nil {
		t.Error("another client redeemed the code")
	}
	code = redirectParams(t, b.get(with("", "")), testRedirect).Get("code")
	if _, err := conf.Exchange(ctx, code, oauth2.VerifierOption(oauth2.GenerateVerifier())); err == nil {
		t.Error("a wrong verifier redeemed the code")
	}
	code = redirectParams(t, b.get(with("", "")), testRedirect).Get("code")
	r := e.post("/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
		"redirect_uri": {"http://127.0.0.1:9/other"}}, conf.ClientID, conf.ClientSecret)
	if r.status != http.StatusBadRequest || r.str("error") != "invalid_grant" {
		t.Errorf("another redirect_uri: %d %s", r.status, r.raw)
	}
	// A form posted from elsewhere, or without its token, is refused.
	login := b.get("/login?" + good.Encode())
	f := login.fields()
	f.Set("username", "john.doe")
	f.Set("password", "s3cret-pw")
	stale := url.Values{}
	for k, v := range f {
		stale[k] = v
	}
	stale.Set("csrf_token", "WRONGWRONGWRONGWRONGWRONG2")
	if p := b.submit("/login", stale); p.status != http.StatusForbidden {
		t.Errorf("wrong CSRF token: %d", p.status)
	}
	// The right token, from another site's page: refused all the same.
	req, _ := http.NewRequest(http.MethodPost, e.base+"/login", strings.NewReader(f.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	if resp, err := b.client.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("cross-site form: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	// Wrong password: the form again, with the one answer for any user.
	f.Set("password", "nope")
	p := b.submit("/login", f)
	if p.status != http.StatusOK || !strings.Contains(p.body, "Wrong username or password.") {
		t.Errorf("wrong password: %d %s", p.status, p.body)
	}
	f.Set("username", "nobody")
	if q := b.submit("/login", f); q.status != p.status || !strings.Contains(q.body, "Wrong username or password.") {
		t.Errorf("unknown user answered differently: %d", q.status)
	}
}
