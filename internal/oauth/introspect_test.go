package oauth

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// introspect asks the default tenant about raw as the client of auth.
func (e *testEnv) introspect(t *testing.T, auth, raw string) (*Introspection, error) {
	t.Helper()
	req, err := ParseRequest(form, auth, strings.NewReader(values("token", raw).Encode()))
	if err != nil {
		return nil, err
	}
	return e.srv.Introspect(context.Background(), domain.DefaultTenant, req)
}

// revoke revokes raw in the default tenant as the client of auth.
func (e *testEnv) revoke(t *testing.T, auth, raw string) error {
	t.Helper()
	req, err := ParseRequest(form, auth, strings.NewReader(values("token", raw).Encode()))
	if err != nil {
		return err
	}
	return e.srv.Revoke(context.Background(), domain.DefaultTenant, req)
}

// TestIntrospect: RFC 7662 for access and refresh tokens; anything not
// active says only active=false.
func TestIntrospect(t *testing.T) {
	e := newTestEnv(t)
	signIn := e.mustToken(t, call{auth: webBasic(), form: passwordForm("john.doe", testPassword)})
	acme := e.mustToken(t, call{tenant: "acme", auth: basic(acmeClient, clientSecret), form: values("grant_type", "client_credentials")})
	tests := []struct {
		name     string
		auth     string
		token    string
		want     Introspection // compared on Active, Subject, ClientID, Scope and TokenType
		wantCode string
	}{
		{name: "access token", auth: webBasic(), token: signIn.AccessToken,
			want: Introspection{Active: true, Subject: "john.doe", ClientID: webClient, Scope: "orders:read", TokenType: "Bearer"}},
		{name: "refresh token", auth: webBasic(), token: signIn.RefreshToken,
			want: Introspection{Active: true, Subject: "john.doe", ClientID: webClient, Scope: "orders:read", TokenType: "refresh_token"}},
		{name: "refresh token with a broken checksum", auth: webBasic(), token: token.Tampered(signIn.RefreshToken)},
		{name: "garbage", auth: webBasic(), token: "not-a-token"},
		{name: "API token without a verifier", auth: webBasic(), token: "tgp_x"},
		{name: "another tenant's token", auth: webBasic(), token: acme.AccessToken},
		{name: "missing token", auth: webBasic(), wantCode: CodeInvalidRequest},
		{name: "no client", token: signIn.AccessToken, wantCode: CodeInvalidClient},
		{name: "wrong client secret", auth: basic(webClient, "wrong"), token: signIn.AccessToken, wantCode: CodeInvalidClient},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := e.introspect(t, tc.auth, tc.token)
			if code := errorCode(err); code != tc.wantCode {
				t.Fatalf("got %v, want code %q", err, tc.wantCode)
			}
			if err != nil {
				return
			}
			if got.Active != tc.want.Active || got.Subject != tc.want.Subject || got.ClientID != tc.want.ClientID ||
				got.Scope != tc.want.Scope || got.TokenType != tc.want.TokenType {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
			if !got.Active && !reflect.DeepEqual(*got, Introspection{}) {
				t.Fatalf("an inactive token says more than active=false: %+v", got)
			}
		})
	}
}

// TestRevoke: RFC 7009 for access tokens and refresh families.
func TestRevoke(t *testing.T) {
	e := newTestEnv(t)
	tests := []struct {
		name string
		// token makes the token to revoke; gone says whether it must then
		// be inactive.
		token    func(t *testing.T) string
		auth     string
		wantCode string
		gone     bool
	}{
		{name: "access token", auth: webBasic(), gone: true,
			token: func(t *testing.T) string {
				return e.mustToken(t, call{auth: webBasic(), form: passwordForm("john.doe", testPassword)}).AccessToken
			}},
		{name: "refresh token ends its session", auth: webBasic(), gone: true,
			token: func(t *testing.T) string { return e.session(t, "john.doe", "") }},
		{name: "another client's access token", auth: basic(ccOnlyClient, clientSecret), wantCode: CodeUnauthorizedClient,
			token: func(t *testing.T) string {
				return e.mustToken(t, call{auth: webBasic(), form: values("grant_type", "client_credentials")}).AccessToken
			}},
		{name: "another client's refresh token", auth: basic(ccOnlyClient, clientSecret), wantCode: CodeUnauthorizedClient,
			token: func(t *testing.T) string { return e.session(t, "john.doe", "") }},
		{name: "unknown token", auth: webBasic(), token: func(*testing.T) string { return "not-a-token" }},
		{name: "missing token", auth: webBasic(), wantCode: CodeInvalidRequest, token: func(*testing.T) string { return "" }},
		{name: "no client", wantCode: CodeInvalidClient, token: func(*testing.T) string { return "x" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			raw := tc.token(t)
			if code := errorCode(e.revoke(t, tc.auth, raw)); code != tc.wantCode {
				t.Fatalf("got code %q, want %q", code, tc.wantCode)
			}
			if !tc.gone {
				return
			}
			if in, err := e.introspect(t, webBasic(), raw); err != nil || in.Active {
				t.Fatalf("after revocation: %+v %v", in, err)
			}
		})
	}
}

func TestIssuedTo(t *testing.T) {
	for _, tc := range []struct {
		name, token, app string
		want             bool
	}{
		{"same client", "abc", "abc", true},
		{"another client", "abc", "xyz", false},
		{"embed client", domain.EmbedApplicationID, domain.EmbedApplicationID, true},
		{"embed token from before the rename", domain.LegacyEmbedApplicationID, domain.EmbedApplicationID, true},
		{"the old id revoking a new token", domain.EmbedApplicationID, domain.LegacyEmbedApplicationID, true},
		{"embed token and a stored client", domain.LegacyEmbedApplicationID, "abc", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := issuedTo(tc.token, tc.app); got != tc.want {
				t.Errorf("issuedTo(%q, %q) = %v", tc.token, tc.app, got)
			}
		})
	}
}
