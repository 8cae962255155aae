package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"
)

// Real OAuth clients: golang.org/x/oauth2 for the grants and go-oidc for
// discovery and signature verification against the remote key set.
func TestRealClients(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()

		cc := clientcredentials.Config{
			ClientID: e.clientID, ClientSecret: e.clientSecret,
			TokenURL: e.base + "/oauth2/token", Scopes: []string{"orders:write"},
			EndpointParams: url.Values{"resource": {"https://api.example.com"}},
		}
		ccTok, err := cc.Token(ctx)
		if err != nil {
			t.Fatalf("client_credentials: %v", err)
		}
		if ccTok.Extra("scope") != "orders:write" || ccTok.Expiry.IsZero() {
			t.Fatalf("client_credentials token %+v", ccTok)
		}
		// The Azure AD v1 fields do not disturb x/oauth2 and reach Extra.
		if ccTok.Extra("resource") != "https://api.example.com" || ccTok.Extra("expires_on") == nil {
			t.Fatalf("resource %v, expires_on %v", ccTok.Extra("resource"), ccTok.Extra("expires_on"))
		}

		conf := &oauth2.Config{ClientID: e.clientID, ClientSecret: e.clientSecret,
			Endpoint: oauth2.Endpoint{TokenURL: e.base + "/token", AuthStyle: oauth2.AuthStyleInHeader}}
		pwTok, err := conf.PasswordCredentialsToken(ctx, "john.doe", "s3cret-pw")
		if err != nil {
			t.Fatalf("password: %v", err)
		}
		// Force a refresh through the TokenSource.
		expired := *pwTok
		expired.Expiry = time.Now().Add(-time.Minute)
		refreshed, err := conf.TokenSource(ctx, &expired).Token()
		if err != nil {
			t.Fatalf("refresh: %v", err)
		}
		if refreshed.AccessToken == pwTok.AccessToken || refreshed.RefreshToken == pwTok.RefreshToken {
			t.Fatal("refresh returned the same tokens")
		}

		// go-oidc: discovery, then verify the access token with the remote
		// JWKS. The algorithms too come from discovery (see
		// TestSigningAlgorithms for tenants on EdDSA and RS256).
		provider, err := oidc.NewProvider(ctx, e.base)
		if err != nil {
			t.Fatalf("discovery: %v", err)
		}
		verifier := provider.Verifier(&oidc.Config{ClientID: "https://api.example.com"})
		if _, err := verifier.Verify(ctx, ccTok.AccessToken); err != nil {
			t.Fatalf("go-oidc rejected our access token: %v", err)
		}
		// A token of another audience is refused by the same verifier.
		if _, err := verifier.Verify(ctx, refreshed.AccessToken); err == nil {
			t.Fatal("verifier accepted a token for another audience")
		}
	})
}

// Key rotation: new tokens use the new key, old tokens still verify, and
// both keys are published.
func TestKeyRotation(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		before := e.passwordToken("").str("access_token")
		e.api("POST", "/api/v1/actions/keys/rotate", "", 204)
		after := e.passwordToken("").str("access_token")

		var jwks struct {
			Keys []struct{ Kid, Alg, Use string } `json:"keys"`
		}
		resp, err := http.Get(e.base + "/oauth2/jwks")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(&jwks); err != nil {
			t.Fatal(err)
		}
		if len(jwks.Keys) != 2 || jwks.Keys[0].Kid == jwks.Keys[1].Kid {
			t.Fatalf("JWKS after rotation: %+v", jwks.Keys)
		}
		for name, tok := range map[string]string{"old key": before, "new key": after} {
			if in := e.introspect(tok); in["active"] != true {
				t.Errorf("token signed with the %s inactive: %v", name, in)
			}
		}
	})
}

func TestDiscoveryDocuments(t *testing.T) {
	e := startServer(t, "")
	e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"acme","attributes":{"name":"Acme"}}}`, 201)
	for path, issuer := range map[string]string{
		"/.well-known/openid-configuration":            e.base,
		"/.well-known/oauth-authorization-server":      e.base,
		"/default/.well-known/openid-configuration":    e.base,
		"/acme/.well-known/openid-configuration":       e.base + "/acme",
		"/acme/.well-known/oauth-authorization-server": e.base + "/acme",
		"/.well-known/oauth-authorization-server/acme": e.base + "/acme",
	} {
		r := e.do("GET", path, "", "", "")
		if r.status != 200 || r.str("issuer") != issuer || r.str("token_endpoint") != issuer+"/oauth2/token" {
			t.Errorf("%s: %d %s", path, r.status, r.raw)
		}
	}
	if r := e.do("GET", "/nosuch/.well-known/openid-configuration", "", "", ""); r.status != 404 {
		t.Errorf("unknown tenant metadata: %d", r.status)
	}
}

func TestHealthAndReadiness(t *testing.T) {
	e := startServer(t, "")
	for _, p := range []string{"/healthz", "/readyz"} {
		if r := e.do("GET", p, "", "", ""); r.status != 200 {
			t.Errorf("%s: %d %s", p, r.status, r.raw)
		}
	}
	if err := e.app.Store().Close(); err != nil {
		t.Fatal(err)
	}
	if r := e.do("GET", "/readyz", "", "", ""); r.status != 503 {
		t.Errorf("/readyz with the database closed: %d", r.status)
	}
	if r := e.do("GET", "/healthz", "", "", ""); r.status != 200 {
		t.Errorf("/healthz with the database closed: %d", r.status)
	}
}
