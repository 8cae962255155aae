package main

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
)

// TestRS256IDTokens: an application that asks for RS256 ID tokens (OIDC
// Core §15.1) in a tenant that signs with ES256 gets them from a second,
// published RS256 key, which go-oidc verifies told to accept RS256 only;
// access tokens stay ES256, an ID token is no access token, the key
// survives a rotation of the access-token key, and other applications
// keep getting ID tokens of the tenant's algorithm.
func TestRS256IDTokens(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		if algs := e.discoveredAlgs(""); !slices.Equal(algs, []string{"ES256", "RS256"}) {
			t.Fatalf("discovery advertises %v, want ES256 and RS256", algs)
		}
		conf := e.webApp("confidential")
		e.api("PATCH", "/api/v1/entities/applications/"+conf.ClientID,
			`{"data":{"type":"application","id":"`+conf.ClientID+`","attributes":{"idTokenSigningAlg":"RS256"}}}`, 200)
		b := e.browser(t)
		// code runs the code flow for conf, signing in on the first call.
		code := func(conf *oauth2.Config, state string) *oauth2.Token {
			t.Helper()
			verifier := oauth2.GenerateVerifier()
			authURL := conf.AuthCodeURL(state, oauth2.S256ChallengeOption(verifier), oidc.Nonce("n-"+state))
			var p *page
			if state == "first" {
				p = b.signIn(authURL, "john.doe", "s3cret-pw")
			} else {
				p = b.get(authURL)
			}
			q := redirectParams(t, p, testRedirect)
			tok, err := conf.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(verifier))
			if err != nil {
				t.Fatalf("%s: %v", state, err)
			}
			return tok
		}
		provider, err := oidc.NewProvider(ctx, e.base)
		if err != nil {
			t.Fatal(err)
		}
		rs256 := provider.Verifier(&oidc.Config{ClientID: conf.ClientID, SupportedSigningAlgs: []string{"RS256"}})
		// verify checks an RS256 ID token with go-oidc and returns its kid.
		verify := func(tok *oauth2.Token, state string) string {
			t.Helper()
			raw, _ := tok.Extra("id_token").(string)
			idt, err := rs256.Verify(ctx, raw)
			if err != nil {
				t.Fatalf("%s: go-oidc (RS256 only): %v", state, err)
			}
			if idt.Subject != "john.doe" || idt.Nonce != "n-"+state {
				t.Errorf("%s: ID token sub %q nonce %q", state, idt.Subject, idt.Nonce)
			}
			if err := idt.VerifyAccessToken(tok.AccessToken); err != nil {
				t.Errorf("%s: at_hash: %v", state, err)
			}
			if h := jwtHeader(t, raw); h.Alg != "RS256" {
				t.Fatalf("%s: ID token signed with %s", state, h.Alg)
			}
			return jwtHeader(t, raw).Kid
		}

		tok := code(conf, "first")
		idKid := verify(tok, "first")
		at := jwtHeader(t, tok.AccessToken)
		if at.Alg != "ES256" || at.Kid == idKid {
			t.Fatalf("access token %+v beside an ID token of kid %s", at, idKid)
		}
		if in := e.introspect(tok.AccessToken); in["active"] != true {
			t.Fatalf("access token: %v", in)
		}
		// Both keys are published, and discovery still lists ES256 first.
		var kids []string
		jwks := e.do("GET", "/oauth2/jwks", "", "", "")
		keys, _ := jwks.body["keys"].([]any)
		for _, k := range keys {
			kids = append(kids, k.(map[string]any)["kid"].(string))
		}
		if len(kids) != 2 || !slices.Contains(kids, idKid) || !slices.Contains(kids, at.Kid) {
			t.Fatalf("JWKS kids %v, want %s and %s", kids, at.Kid, idKid)
		}
		if algs := e.discoveredAlgs(""); !slices.Equal(algs, []string{"ES256", "RS256"}) {
			t.Fatalf("discovery advertises %v", algs)
		}

		// A stolen ID token is no access token.
		idRaw, _ := tok.Extra("id_token").(string)
		if in := e.introspect(idRaw); in["active"] != false {
			t.Errorf("introspection of the ID token: %v", in)
		}
		req, _ := http.NewRequest("GET", e.base+"/oauth2/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+idRaw)
		if r := doReq(t, req); r.status != http.StatusUnauthorized {
			t.Errorf("userinfo with the ID token: %d %s", r.status, r.raw)
		}

		// Another application of the tenant: ES256 ID tokens.
		plain := e.webApp("confidential")
		ptok := code(plain, "plain")
		praw, _ := ptok.Extra("id_token").(string)
		if h := jwtHeader(t, praw); h.Alg != "ES256" || h.Kid != at.Kid {
			t.Fatalf("ID token of an application without a choice: %+v", h)
		}

		// Rotating the access-token key keeps the ID-token key.
		e.api("POST", "/api/v1/actions/keys/rotate", `{"alg":"EdDSA"}`, 204)
		tok = code(conf, "rotated")
		if kid := verify(tok, "rotated"); kid != idKid {
			t.Fatalf("ID-token key after the rotation: %s, want %s", kid, idKid)
		}
		if alg := jwtAlg(t, tok.AccessToken); alg != "EdDSA" {
			t.Fatalf("access token after the rotation: %s", alg)
		}
		// The active key's algorithm first, then the published keys', newest first.
		if algs := e.discoveredAlgs(""); !slices.Equal(algs, []string{"EdDSA", "RS256", "ES256"}) {
			t.Fatalf("discovery after the rotation advertises %v", algs)
		}

		// The RS256 ID token is a valid logout hint.
		raw, _ := tok.Extra("id_token").(string)
		out := b.get("/oauth2/logout?" + url.Values{"id_token_hint": {raw}, "state": {"bye"},
			"post_logout_redirect_uri": {"http://127.0.0.1:9/bye"}}.Encode())
		if p := redirectParams(t, out, "http://127.0.0.1:9/bye"); p.Get("state") != "bye" {
			t.Fatalf("logout redirect %v", p)
		}
	})
}
