package domain

import (
	"strings"
	"testing"
	"time"
)

// wantField checks err is an InvalidError on field, or nil when field is "".
func wantField(t *testing.T, err error, field string) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("unexpected error %v", err)
		}
		return
	}
	ie, ok := err.(*InvalidError)
	if !ok || ie.Field != field {
		t.Fatalf("got %v, want an invalid %s", err, field)
	}
}

func TestValidateApplicationSignIn(t *testing.T) {
	app := func(f func(a *Application)) *Application {
		a := validApp()
		f(a)
		return a
	}
	web := func(a *Application) {
		a.GrantTypes = []string{GrantAuthorizationCode, GrantRefreshToken}
		a.RedirectURIs = []string{"https://app.example/cb"}
	}
	for _, tc := range []struct {
		name  string
		app   *Application
		field string
	}{
		{"code grant with a redirect URI", app(web), ""},
		{"code grant without redirect URIs", app(func(a *Application) { web(a); a.RedirectURIs = nil }), "redirectUris"},
		{"public client", app(func(a *Application) { web(a); a.ClientType = ClientPublic }), ""},
		{"public client with the password grant", app(func(a *Application) {
			web(a)
			a.ClientType = ClientPublic
			a.GrantTypes = append(a.GrantTypes, GrantPassword)
		}), "grantTypes"},
		{"public client with client credentials", app(func(a *Application) {
			a.ClientType = ClientPublic
			a.GrantTypes = []string{GrantClientCredentials}
		}), "grantTypes"},
		{"confidential client with every grant", app(func(a *Application) {
			web(a)
			a.ClientType = ClientConfidential
			a.GrantTypes = append(a.GrantTypes, GrantPassword, GrantClientCredentials)
		}), ""},
		{"unknown client type", app(func(a *Application) { a.ClientType = "secret" }), "clientType"},
		{"wildcard redirect", app(func(a *Application) { web(a); a.RedirectURIs = []string{"https://*.example/cb"} }), "redirectUris"},
		{"fragment in a post-logout URI", app(func(a *Application) { a.PostLogoutRedirectURIs = []string{"https://a.example/#x"} }), "postLogoutRedirectUris"},
		{"http post-logout URI off loopback", app(func(a *Application) { a.PostLogoutRedirectURIs = []string{"http://a.example/"} }), "postLogoutRedirectUris"},
		{"native app", app(func(a *Application) {
			web(a)
			a.ClientType = ClientPublic
			a.RedirectURIs = []string{"com.example.app:/cb", "http://127.0.0.1/cb"}
		}), ""},
		{"RS256 ID tokens", app(func(a *Application) { a.IDTokenSigningAlg = "RS256" }), ""},
		{"HS256 ID tokens", app(func(a *Application) { a.IDTokenSigningAlg = "HS256" }), "idTokenSigningAlg"},
		{"none ID tokens", app(func(a *Application) { a.IDTokenSigningAlg = "none" }), "idTokenSigningAlg"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantField(t, ValidateApplication(tc.app), tc.field) })
	}
}

func TestValidateTenantSessions(t *testing.T) {
	tenant := func(idle, maxAge time.Duration) *Tenant {
		return &Tenant{ID: "a", SessionIdleTimeout: idle, SessionMaxAge: maxAge}
	}
	for _, tc := range []struct {
		name  string
		t     *Tenant
		field string
	}{
		{"defaults", tenant(0, 0), ""},
		{"both set", tenant(time.Hour, 8*time.Hour), ""},
		{"idle equal to max age", tenant(time.Hour, time.Hour), ""},
		{"longest", tenant(MaxSessionMaxAge, MaxSessionMaxAge), ""},
		{"idle under a minute", tenant(59*time.Second, 0), "sessionIdleTimeoutSeconds"},
		{"max age under a minute", tenant(0, 30*time.Second), "sessionMaxAgeSeconds"},
		{"negative idle", tenant(-time.Minute, 0), "sessionIdleTimeoutSeconds"},
		{"fractional max age", tenant(0, 90*time.Minute+time.Millisecond), "sessionMaxAgeSeconds"},
		{"max age too long", tenant(0, MaxSessionMaxAge+time.Second), "sessionMaxAgeSeconds"},
		{"idle beyond max age", tenant(2*time.Hour, time.Hour), "sessionIdleTimeoutSeconds"},
		{"idle beyond the default max age", tenant(DefaultSessionMaxAge+time.Hour, 0), "sessionIdleTimeoutSeconds"},
		{"max age under the default idle", tenant(0, 10*time.Minute), "sessionIdleTimeoutSeconds"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantField(t, ValidateTenant(tc.t), tc.field) })
	}
}

func TestValidateIdentityProvider(t *testing.T) {
	idp := func(f func(p *IdentityProvider)) *IdentityProvider {
		p := &IdentityProvider{ID: "azuread", DisplayName: "Microsoft", Issuer: "https://login.example/tenant/v2.0",
			ClientID: "abc", Scopes: []string{"openid", "email"}, UsernameClaim: "email", DefaultRoles: []string{"reader"}}
		f(p)
		return p
	}
	for _, tc := range []struct {
		name  string
		p     *IdentityProvider
		field string
	}{
		{"valid", idp(func(*IdentityProvider) {}), ""},
		{"upper-case id", idp(func(p *IdentityProvider) { p.ID = "AzureAD" }), "id"},
		{"id with a dot", idp(func(p *IdentityProvider) { p.ID = "a.b" }), "id"},
		{"empty id", idp(func(p *IdentityProvider) { p.ID = "" }), "id"},
		{"no issuer", idp(func(p *IdentityProvider) { p.Issuer = "" }), "issuer"},
		{"relative issuer", idp(func(p *IdentityProvider) { p.Issuer = "/login" }), "issuer"},
		{"issuer with a query", idp(func(p *IdentityProvider) { p.Issuer = "https://login.example/?x=1" }), "issuer"},
		{"issuer with a fragment", idp(func(p *IdentityProvider) { p.Issuer = "https://login.example/#x" }), "issuer"},
		{"issuer with user information", idp(func(p *IdentityProvider) { p.Issuer = "https://u@login.example/" }), "issuer"},
		{"tenant admin's http issuer", idp(func(p *IdentityProvider) { p.Issuer = "http://login.example/" }), "issuer"},
		{"operator's http issuer", idp(func(p *IdentityProvider) { p.Issuer = "http://idp.internal:8080/a"; p.ByOperator = true }), ""},
		{"http issuer on loopback", idp(func(p *IdentityProvider) { p.Issuer = "http://127.0.0.1:8080/a" }), ""},
		{"ftp issuer", idp(func(p *IdentityProvider) { p.Issuer = "ftp://login.example/"; p.ByOperator = true }), "issuer"},
		{"long issuer", idp(func(p *IdentityProvider) { p.Issuer = "https://a.example/" + strings.Repeat("a", MaxIssuerLength) }), "issuer"},
		{"no client id", idp(func(p *IdentityProvider) { p.ClientID = "" }), "clientId"},
		{"no openid scope", idp(func(p *IdentityProvider) { p.Scopes = []string{"email"} }), "scopes"},
		{"bad scope", idp(func(p *IdentityProvider) { p.Scopes = []string{"openid", "a b"} }), "scopes"},
		{"preferred_username", idp(func(p *IdentityProvider) { p.UsernameClaim = "preferred_username" }), ""},
		{"custom claim", idp(func(p *IdentityProvider) { p.UsernameClaim = "upn" }), ""},
		{"no username claim", idp(func(p *IdentityProvider) { p.UsernameClaim = "" }), "usernameClaim"},
		{"claim path", idp(func(p *IdentityProvider) { p.UsernameClaim = "a.b" }), "usernameClaim"},
		{"bad role", idp(func(p *IdentityProvider) { p.DefaultRoles = []string{"a b"} }), "defaultRoles"},
	} {
		t.Run(tc.name, func(t *testing.T) { wantField(t, ValidateIdentityProvider(tc.p), tc.field) })
	}
}
