package oauth

import (
	"context"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
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
