package oauth

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/token/assertiontest"
)

// BenchmarkParseRequest measures reading a token request body and its
// Basic header, the first step of every token request.
func BenchmarkParseRequest(b *testing.B) {
	body := values("grant_type", "password", "username", "john.doe", "password", testPassword,
		"scope", "orders:read orders:write", "resource", "https://api.example.com").Encode()
	auth := webBasic()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseRequest(form, auth, strings.NewReader(body)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTokenClientCredentials measures the token endpoint's protocol
// work for client_credentials, without HTTP: parse, the cached client
// lookup, scopes and signing.
func BenchmarkTokenClientCredentials(b *testing.B) {
	e := newTestEnv(b)
	body := values("grant_type", domain.GrantClientCredentials, "scope", "orders:read").Encode()
	auth := webBasic()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		req, err := ParseRequest(form, auth, strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.srv.Token(ctx, domain.DefaultTenant, req); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkTokenRefresh measures refresh rotation: each iteration uses the
// refresh token the previous one returned.
func BenchmarkTokenRefresh(b *testing.B) {
	e := newTestEnv(b)
	rt := e.mustToken(b, call{auth: webBasic(), form: values("grant_type", "password", "username", "john.doe", "password", testPassword)}).RefreshToken
	auth := webBasic()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		body := values("grant_type", domain.GrantRefreshToken, "refresh_token", rt).Encode()
		req, err := ParseRequest(form, auth, strings.NewReader(body))
		if err != nil {
			b.Fatal(err)
		}
		resp, err := e.srv.Token(ctx, domain.DefaultTenant, req)
		if err != nil {
			b.Fatal(err)
		}
		rt = resp.RefreshToken
	}
}

// BenchmarkTokenClientCredentialsAssertion is BenchmarkTokenClientCredentials
// with private_key_jwt instead of a secret, per algorithm of the client's
// key: the assertion's signature checked, its jti recorded in the store.
// Signing each fresh assertion is the client's work and is not timed.
func BenchmarkTokenClientCredentialsAssertion(b *testing.B) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rs, _ := rsa.GenerateKey(rand.Reader, 2048)
	for _, k := range []struct {
		alg jose.SignatureAlgorithm
		key crypto.Signer
	}{{jose.ES256, ec}, {jose.EdDSA, ed}, {jose.RS256, rs}} {
		b.Run(string(k.alg), func(b *testing.B) {
			e := newTestEnv(b)
			app := &domain.Application{ID: "signer", Name: "signer", GrantTypes: []string{domain.GrantClientCredentials},
				Scopes: []string{"orders:read"}, AccessTokenTTL: time.Hour, RefreshTokenTTL: time.Hour,
				JWKS: assertiontest.KeySet(b, jose.JSONWebKey{Key: k.key.Public(), KeyID: "k"})}
			if err := e.st.CreateApplication(context.Background(), domain.DefaultTenant, app); err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				a := assertiontest.Sign(b, k.key, k.alg, "k", jwt.Claims{Issuer: app.ID, Subject: app.ID, ID: rand.Text(),
					Audience: jwt.Audience{"https://tollgate.example/oauth2/token"}, Expiry: jwt.NewNumericDate(time.Now().Add(time.Minute))})
				body := values("grant_type", domain.GrantClientCredentials, "scope", "orders:read",
					"client_assertion_type", AssertionTypeJWT, "client_assertion", a).Encode()
				b.StartTimer()
				req, err := ParseRequest(form, "", strings.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				if _, err := e.srv.Token(ctx, domain.DefaultTenant, req); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkTokenClientCredentialsDPoP is BenchmarkTokenClientCredentials
// with a DPoP proof, per algorithm of the client's key: the proof's
// signature checked, its jti recorded in the store, the token bound.
// Signing each fresh proof is the client's work and is not timed.
func BenchmarkTokenClientCredentialsDPoP(b *testing.B) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rs, _ := rsa.GenerateKey(rand.Reader, 2048)
	for _, k := range []assertiontest.DPoPKey{{Key: ec, Alg: jose.ES256}, {Key: ed, Alg: jose.EdDSA}, {Key: rs, Alg: jose.RS256}} {
		b.Run(string(k.Alg), func(b *testing.B) {
			e := newTestEnv(b)
			body := values("grant_type", domain.GrantClientCredentials, "scope", "orders:read").Encode()
			auth := webBasic()
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				b.StopTimer()
				proof := k.Proof(b, "POST", "https://tollgate.example/oauth2/token", nil)
				b.StartTimer()
				req, err := ParseRequest(form, auth, strings.NewReader(body))
				if err != nil {
					b.Fatal(err)
				}
				req.DPoP, req.URL = []string{proof}, "https://tollgate.example/oauth2/token"
				if resp, err := e.srv.Token(ctx, domain.DefaultTenant, req); err != nil || resp.TokenType != TokenTypeDPoP {
					b.Fatal(err)
				}
			}
		})
	}
}
