package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/oauth2-proxy/mockoidc"
	"golang.org/x/oauth2"
)

// federated sets up tenant shop whose users sign in through tenant corp
// of the same server, a real OpenID Connect provider to shop: corp has
// user alice and an application whose redirect URI is shop's callback.
// It returns shop's web application.
func (e *env) federated(t *testing.T) *oauth2.Config {
	for _, tenant := range []string{"corp", "shop"} {
		e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"`+tenant+`","attributes":{"name":"`+strings.ToUpper(tenant)+`"}}}`, 201)
	}
	e.api("POST", "/corp/api/v1/entities/users", `{"data":{"type":"user","id":"alice","attributes":{"password":"alice-pw-123","email":"alice@corp.example","displayName":"Alice"}}}`, 201)
	corp := attrs(e.api("POST", "/corp/api/v1/entities/applications", `{"data":{"type":"application","attributes":{"name":"Shop sign-in",
		"grantTypes":["authorization_code"],"redirectUris":["`+e.base+`/shop/login/callback/corp"]}}}`, 201))
	e.api("POST", "/shop/api/v1/entities/scopes", `{"data":{"type":"scope","id":"cart:read"}}`, 201)
	e.api("POST", "/shop/api/v1/entities/roles", `{"data":{"type":"role","id":"shopper","attributes":{"scopes":["cart:read"]}}}`, 201)
	// The bootstrap token may name this very server as a provider.
	e.api("POST", "/shop/api/v1/entities/identityProviders", `{"data":{"type":"identityProvider","id":"corp","attributes":{
		"displayName":"Corp","issuer":"`+e.base+`/corp","clientId":"`+corp["clientId"].(string)+`","clientSecret":"`+corp["clientSecret"].(string)+`",
		"usernameClaim":"preferred_username","createUsers":true,"defaultRoles":["shopper"]}}}`, 201)
	app := attrs(e.api("POST", "/shop/api/v1/entities/applications", `{"data":{"type":"application","attributes":{"name":"Shop",
		"grantTypes":["authorization_code","password"],"scopes":["cart:read"],"redirectUris":["`+testRedirect+`"]}}}`, 201))
	return &oauth2.Config{ClientID: app["clientId"].(string), ClientSecret: app["clientSecret"].(string), RedirectURL: testRedirect,
		Endpoint: oauth2.Endpoint{AuthURL: e.base + "/shop/oauth2/authorize", TokenURL: e.base + "/shop/oauth2/token"},
		Scopes:   []string{oidc.ScopeOpenID, "cart:read"}}
}

// federatedSignIn follows shop's sign-in page to its "Sign in with Corp"
// button, signs in at corp, and returns the answer to corp's redirect
// back to shop's callback (not yet followed).
func (b *browser) federatedSignIn(authURL string) *page {
	b.t.Helper()
	login := b.get(b.get(authURL).location)
	link := regexpLink.FindStringSubmatch(login.body)
	if link == nil {
		b.t.Fatalf("no provider button on the sign-in page: %s", login.body)
	}
	atCorp := b.get(htmlUnescape(link[1]))
	if atCorp.status != http.StatusSeeOther || !strings.HasPrefix(atCorp.location, b.e.base+"/corp/oauth2/authorize?") {
		b.t.Fatalf("federate: %d %q", atCorp.status, atCorp.location)
	}
	back := b.signIn(atCorp.location, "alice", "alice-pw-123")
	if back.status != http.StatusSeeOther || !strings.HasPrefix(back.location, b.e.base+"/shop/login/callback/corp?") {
		b.t.Fatalf("corp did not send the browser back to shop: %d %q", back.status, back.location)
	}
	return back
}

// TestFederationThroughAnotherTenant: shop's users sign in through corp;
// the first sign-in creates alice in shop (source oidc:corp, no password,
// the provider's default roles), the next finds her by her link.
func TestFederationThroughAnotherTenant(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		conf := e.federated(t)
		b := e.browser(t)
		verifier := oauth2.GenerateVerifier()
		back := b.federatedSignIn(conf.AuthCodeURL("fs", oauth2.S256ChallengeOption(verifier)))
		q := redirectParams(t, b.get(back.location), testRedirect)
		if q.Get("state") != "fs" || q.Get("iss") != e.base+"/shop" {
			t.Fatalf("shop's answer %v", q)
		}
		tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		provider, err := oidc.NewProvider(ctx, e.base+"/shop")
		if err != nil {
			t.Fatal(err)
		}
		idt, err := provider.Verifier(&oidc.Config{ClientID: conf.ClientID}).Verify(ctx, tok.Extra("id_token").(string))
		if err != nil {
			t.Fatal(err)
		}
		var claims struct{ AMR []string }
		_ = idt.Claims(&claims)
		if idt.Subject != "alice" || len(claims.AMR) != 1 || claims.AMR[0] != "fed" || tok.Extra("scope") != "openid cart:read" {
			t.Errorf("sub %q amr %v scope %v", idt.Subject, claims.AMR, tok.Extra("scope"))
		}
		u := attrs(e.api("GET", "/shop/api/v1/entities/users/alice", "", 200))
		if u["source"] != "oidc:corp" || u["roles"].([]any)[0] != "shopper" {
			t.Errorf("created user %v", u)
		}
		// alice has no password in shop: the password grant points her to
		// single sign-on.
		pw := e.post("/shop/oauth2/token", url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"alice-pw-123"}},
			conf.ClientID, conf.ClientSecret)
		if pw.str("error") != "invalid_grant" || !strings.Contains(pw.str("error_description"), "single sign-on") {
			t.Errorf("password grant for a federated user: %d %s", pw.status, pw.raw)
		}
		// A second browser signs in again: the same user, by her link.
		b2 := e.browser(t)
		again := b2.federatedSignIn(conf.AuthCodeURL("f2", oauth2.S256ChallengeOption(verifier)))
		redirectParams(t, b2.get(again.location), testRedirect)
		// The callback's state, tampered with: refused, nothing stored.
		b3 := e.browser(t)
		tampered := b3.federatedSignIn(conf.AuthCodeURL("f3", oauth2.S256ChallengeOption(verifier)))
		cb, _ := url.Parse(tampered.location)
		cq := cb.Query()
		cq.Set("state", cq.Get("state")+"x")
		cb.RawQuery = cq.Encode()
		if p := b3.get(cb.String()); p.status != http.StatusForbidden || p.location != "" {
			t.Errorf("tampered state: %d %q", p.status, p.location)
		}
		list := e.api("GET", "/shop/api/v1/entities/users/alice/sessions", "", 200)
		if n := len(list["data"].([]any)); n != 2 {
			t.Errorf("alice has %d sessions in shop, want 2 (the tampered callback made none)", n)
		}
	})
}

// TestFederationThroughMockOIDC: an independent OpenID Connect provider
// (github.com/oauth2-proxy/mockoidc) signs a user in to the default
// tenant through the server's pages: created on first sign-in, by the
// provider's preferred_username, with the provider's default role.
func TestFederationThroughMockOIDC(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		m, err := mockoidc.Run()
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = m.Shutdown() })
		e.api("POST", "/api/v1/entities/identityProviders", `{"data":{"type":"identityProvider","id":"mock","attributes":{
			"displayName":"Mock","issuer":"`+m.Issuer()+`","clientId":"`+m.ClientID+`","clientSecret":"`+m.ClientSecret+`",
			"usernameClaim":"preferred_username","createUsers":true,"defaultRoles":["reader"]}}}`, 201)
		conf := e.webApp("confidential")
		m.QueueUser(&mockoidc.MockUser{Subject: "mock-sub-1", PreferredUsername: "bob", Email: "bob@example.com", EmailVerified: true})
		b := e.browser(t)
		verifier := oauth2.GenerateVerifier()
		login := b.get(b.get(conf.AuthCodeURL("m1", oauth2.S256ChallengeOption(verifier))).location)
		link := regexpLink.FindStringSubmatch(login.body)
		if link == nil || !strings.Contains(login.body, "Sign in with Mock") {
			t.Fatalf("no provider button: %s", login.body)
		}
		atMock := b.get(htmlUnescape(link[1]))
		if !strings.HasPrefix(atMock.location, m.Issuer()) {
			t.Fatalf("federate: %d %q", atMock.status, atMock.location)
		}
		back := b.get(atMock.location) // mockoidc answers at once for the queued user
		if !strings.HasPrefix(back.location, e.base+"/login/callback/mock?") {
			t.Fatalf("mockoidc: %d %q", back.status, back.location)
		}
		q := redirectParams(t, b.get(back.location), testRedirect)
		tok, err := conf.Exchange(context.Background(), q.Get("code"), oauth2.VerifierOption(verifier))
		if err != nil {
			t.Fatal(err)
		}
		if in := e.introspect(tok.AccessToken); in["sub"] != "bob" || in["scope"] != "openid profile email orders:read" {
			t.Errorf("introspection %v", in)
		}
		u := attrs(e.api("GET", "/api/v1/entities/users/bob", "", 200))
		if u["source"] != "oidc:mock" || u["email"] != "bob@example.com" {
			t.Errorf("user %v", u)
		}
	})
}
