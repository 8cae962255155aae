package oauth

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// TestTokenSteps covers the steps every grant shares: picking the grant,
// resolving the tenant, parsing, client authentication, the grant check,
// scopes, resources and lifetime, each refusal with its code.
func TestTokenSteps(t *testing.T) {
	e := newTestEnv(t)
	cc := func(kv ...string) url.Values {
		return values(append([]string{"grant_type", domain.GrantClientCredentials}, kv...)...)
	}
	e.run(t, []tokenCase{
		{name: "missing grant_type", call: call{auth: webBasic(), form: values("scope", "orders:read")}, wantCode: CodeInvalidRequest},
		{name: "unsupported grant_type", call: call{auth: webBasic(), form: values("grant_type", "implicit")}, wantCode: CodeUnsupportedGrantType},
		{name: "unknown tenant", call: call{tenant: "nosuch", auth: webBasic(), form: cc()}, wantCode: CodeInvalidRequest, wantStatus: http.StatusNotFound},
		{name: "no client credentials", call: call{form: cc()}, wantCode: CodeInvalidClient, wantStatus: http.StatusUnauthorized},
		{name: "wrong client secret", call: call{auth: basic(webClient, "wrong"), form: cc()}, wantCode: CodeInvalidClient},
		{name: "wrong client secret in the body", call: call{form: cc("client_id", webClient, "client_secret", "wrong")}, wantCode: CodeInvalidClient},
		{name: "unknown client", call: call{auth: basic("nobody", clientSecret), form: cc()}, wantCode: CodeInvalidClient},
		{name: "client of another tenant on a tenant path", call: call{tenant: "acme", auth: webBasic(), form: cc()}, wantCode: CodeInvalidClient},
		{name: "client not allowed the grant", call: call{auth: basic(ccOnlyClient, clientSecret),
			form: values("grant_type", "password", "username", "john.doe", "password", testPassword)}, wantCode: CodeUnauthorizedClient},
		{name: "malformed parameters refused before client authentication", call: call{auth: basic(webClient, "wrong"),
			form: values("grant_type", "password", "username", "john.doe")}, wantCode: CodeInvalidRequest},
		{name: "malformed scope", call: call{auth: webBasic(), form: cc("scope", `orders:read "x`)}, wantCode: CodeInvalidScope},
		{name: "scope the application lacks", call: call{auth: webBasic(), form: cc("scope", "admin")}, wantCode: CodeInvalidScope},
		{name: "relative resource", call: call{auth: webBasic(), form: cc("resource", "/orders")}, wantCode: CodeInvalidTarget},
		{name: "resource with a fragment", call: call{auth: webBasic(), form: cc("resource", "https://api.example.com/#x")}, wantCode: CodeInvalidTarget},
		{name: "validity_period zero", call: call{auth: webBasic(), form: cc("validity_period", "0")}, wantCode: CodeInvalidRequest, wantDesc: "validity_period"},
		{name: "validity_period not a number", call: call{auth: webBasic(), form: cc("validity_period", "1h")}, wantCode: CodeInvalidRequest},
	})
}

// TestClientCredentialsGrant: RFC 6749 §4.4 with resource indicators,
// validity_period and the default tenant's paths.
func TestClientCredentialsGrant(t *testing.T) {
	e := newTestEnv(t)
	cc := func(kv ...string) url.Values {
		return values(append([]string{"grant_type", domain.GrantClientCredentials}, kv...)...)
	}
	e.run(t, []tokenCase{
		{name: "default scopes, no refresh token, the client as subject", call: call{auth: webBasic(), form: cc()},
			check: func(t *testing.T, e *testEnv, r *TokenResponse) {
				c := e.claims(t, domain.DefaultTenant, r.AccessToken)
				if r.Scope != "orders:read" || r.RefreshToken != "" || r.ExpiresIn != 3600 || r.TokenType != "Bearer" ||
					c.Subject != webClient || c.ClientID != webClient || !slices.Equal(c.Audience, []string{webClient}) {
					t.Fatalf("response %+v, claims %+v", r, c)
				}
			}},
		{name: "requested scopes within the application", call: call{auth: webBasic(), form: cc("scope", "orders:write orders:read other")},
			check: wantScope("orders:write orders:read")},
		{name: "scope default answers default", call: call{auth: webBasic(), form: cc("scope", "default")},
			check: func(t *testing.T, e *testEnv, r *TokenResponse) {
				if c := e.claims(t, domain.DefaultTenant, r.AccessToken); r.Scope != "default" || c.Scope != "orders:read" {
					t.Fatalf("response scope %q, token scope %q", r.Scope, c.Scope)
				}
			}},
		{name: "client credentials in the body", call: call{form: cc("client_id", webClient, "client_secret", clientSecret)}, check: wantScope("orders:read")},
		{name: "resource becomes aud, with resource and expires_on", call: call{auth: webBasic(),
			form: cc("resource", "https://b.example.com", "resource", "https://a.example.com")},
			check: func(t *testing.T, e *testEnv, r *TokenResponse) {
				c := e.claims(t, domain.DefaultTenant, r.AccessToken)
				if !slices.Equal(c.Audience, []string{"https://a.example.com", "https://b.example.com"}) ||
					r.Resource != "https://b.example.com https://a.example.com" {
					t.Fatalf("aud %v, resource %q", c.Audience, r.Resource)
				}
				on, err := strconv.ParseInt(r.ExpiresOn, 10, 64)
				if d := time.Until(time.Unix(on, 0)); err != nil || d < 3590*time.Second || d > 3610*time.Second {
					t.Fatalf("expires_on %q", r.ExpiresOn)
				}
			}},
		{name: "no resource, no expires_on", call: call{auth: webBasic(), form: cc()},
			check: func(t *testing.T, e *testEnv, r *TokenResponse) {
				if r.Resource != "" || r.ExpiresOn != "" {
					t.Fatalf("resource %q, expires_on %q", r.Resource, r.ExpiresOn)
				}
			}},
		{name: "validity_period shortens", call: call{auth: webBasic(), form: cc("validity_period", "120")},
			check: func(t *testing.T, e *testEnv, r *TokenResponse) {
				if c := e.claims(t, domain.DefaultTenant, r.AccessToken); r.ExpiresIn != 120 || c.ExpiresAt.Sub(c.IssuedAt) != 120*time.Second {
					t.Fatalf("expires_in %d, token lifetime %v", r.ExpiresIn, c.ExpiresAt.Sub(c.IssuedAt))
				}
			}},
		{name: "validity_period never lengthens", call: call{auth: webBasic(), form: cc("validity_period", "999999")},
			check: func(t *testing.T, e *testEnv, r *TokenResponse) {
				if r.ExpiresIn != 3600 {
					t.Fatalf("expires_in %d", r.ExpiresIn)
				}
			}},
		{name: "default tenant's path follows the client's tenant", call: call{auth: basic(acmeClient, clientSecret), form: cc()},
			check: func(t *testing.T, e *testEnv, r *TokenResponse) {
				if c := e.claims(t, "acme", r.AccessToken); c.Tenant != "acme" || c.ClientID != acmeClient {
					t.Fatalf("claims %+v", c)
				}
			}},
	})
}

// wantScope checks the response's scope.
func wantScope(want string) func(*testing.T, *testEnv, *TokenResponse) {
	return func(t *testing.T, e *testEnv, r *TokenResponse) {
		t.Helper()
		if r.Scope != want {
			t.Fatalf("scope %q, want %q", r.Scope, want)
		}
		if c := e.claims(t, domain.DefaultTenant, r.AccessToken); c.Scope != want {
			t.Fatalf("token scope %q, want %q", c.Scope, want)
		}
	}
}
