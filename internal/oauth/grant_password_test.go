package oauth

import (
	"net/url"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

func passwordForm(username, password string, kv ...string) url.Values {
	return values(append([]string{"grant_type", domain.GrantPassword, "username", username, "password", password}, kv...)...)
}

// TestPasswordGrant: RFC 6749 §4.3, the user's roles bounding the scopes,
// and name@tenant on the default tenant's paths (DESIGN §2).
func TestPasswordGrant(t *testing.T) {
	e := newTestEnv(t)
	web := webBasic()
	e.run(t, []tokenCase{
		{name: "roles bound the requested scopes", call: call{auth: web, form: passwordForm("john.doe", testPassword, "scope", "orders:read orders:write")},
			check: func(t *testing.T, e *testEnv, r *TokenResponse) {
				c := e.claims(t, domain.DefaultTenant, r.AccessToken)
				if r.Scope != "orders:read" || c.Subject != "john.doe" || c.ClientID != webClient || r.RefreshToken == "" || c.FamilyID == "" {
					t.Fatalf("response %+v, claims %+v", r, c)
				}
			}},
		{name: "a writer gets both", call: call{auth: web, form: passwordForm("jane", testPassword, "scope", "orders:read orders:write")},
			check: wantScope("orders:read orders:write")},
		{name: "default scopes within the roles", call: call{auth: web, form: passwordForm("jane", testPassword)}, check: wantScope("orders:read")},
		{name: "a user without roles gets no scopes", call: call{auth: web, form: passwordForm("roleless", testPassword)}, check: wantScope("")},
		{name: "a user without roles asking for a scope", call: call{auth: web, form: passwordForm("roleless", testPassword, "scope", "orders:read")},
			wantCode: CodeInvalidScope},
		{name: "nothing of the request in the roles", call: call{auth: web, form: passwordForm("john.doe", testPassword, "scope", "orders:write")},
			wantCode: CodeInvalidScope},
		{name: "the name's normal form", call: call{auth: web, form: passwordForm("ＪOHN.Doe", testPassword)},
			check: func(t *testing.T, e *testEnv, r *TokenResponse) {
				if c := e.claims(t, domain.DefaultTenant, r.AccessToken); c.Subject != "john.doe" {
					t.Fatalf("subject %q", c.Subject)
				}
			}},
		{name: "name@tenant through the client's tenant", call: call{auth: basic(acmeClient, clientSecret), form: passwordForm("alice@acme", testPassword)},
			check: func(t *testing.T, e *testEnv, r *TokenResponse) {
				c := e.claims(t, "acme", r.AccessToken)
				if c.Subject != "alice" || r.Scope != "" || r.RefreshToken != "" {
					t.Fatalf("response %+v, claims %+v", r, c) // acme's application has no default scopes nor refresh grant
				}
			}},
		{name: "plain name through the client's tenant", call: call{auth: basic(acmeClient, clientSecret), form: passwordForm("alice", testPassword, "scope", "orders:read")},
			check: func(t *testing.T, e *testEnv, r *TokenResponse) {
				if c := e.claims(t, "acme", r.AccessToken); c.Subject != "alice" || c.Scope != "orders:read" {
					t.Fatalf("claims %+v", c)
				}
			}},
		{name: "name@tenant on the tenant's own path is literal", call: call{tenant: "acme", auth: basic(acmeClient, clientSecret), form: passwordForm("alice@acme", testPassword)},
			wantCode: CodeInvalidGrant},
		{name: "a default client's name@tenant is literal", call: call{auth: web, form: passwordForm("alice@acme", testPassword)}, wantCode: CodeInvalidGrant},
		{name: "missing password", call: call{auth: web, form: values("grant_type", domain.GrantPassword, "username", "john.doe")},
			wantCode: CodeInvalidRequest, wantDesc: "username and password are required"},
		{name: "missing username", call: call{auth: web, form: values("grant_type", domain.GrantPassword, "password", testPassword)}, wantCode: CodeInvalidRequest},
		{name: "wrong password", call: call{auth: web, form: passwordForm("john.doe", "wrong")}, wantCode: CodeInvalidGrant, wantDesc: "invalid username or password"},
		{name: "unknown user", call: call{auth: web, form: passwordForm("ghost", testPassword)}, wantCode: CodeInvalidGrant, wantDesc: "invalid username or password"},
		{name: "disabled user", call: call{auth: web, form: passwordForm("disabled.user", testPassword)}, wantCode: CodeInvalidGrant, wantDesc: "invalid username or password"},
		{name: "user of another tenant", call: call{auth: web, form: passwordForm("alice", testPassword)}, wantCode: CodeInvalidGrant},
		{name: "a name no user can have", call: call{auth: web, form: passwordForm("john\u200bdoe", testPassword)}, wantCode: CodeInvalidGrant},
		{name: "user without a local password", call: call{auth: web, form: passwordForm("sso.user", "anything")},
			wantCode: CodeInvalidGrant, wantDesc: "single sign-on"},
	})
}

// TestPasswordGrantThrottles: past the failures allowed for a name at one
// address, even the right password is refused until the window passes.
func TestPasswordGrantThrottles(t *testing.T) {
	e := newTestEnv(t)
	web := webBasic()
	for i := 0; i < 10; i++ {
		if _, err := e.token(t, call{auth: web, form: passwordForm("jane", "wrong")}); errorCode(err) != CodeInvalidGrant {
			t.Fatalf("failure %d: %v", i+1, err)
		}
	}
	_, err := e.token(t, call{auth: web, form: passwordForm("jane", testPassword)})
	if oe := AsError(err); oe.Code != CodeInvalidGrant || oe.Reason != ReasonThrottled || oe.RetryAfter <= 0 {
		t.Fatalf("got %v, want a throttled invalid_grant", err)
	}
	if ev := e.events.last(t); ev.Reason != ReasonThrottled || ev.UserID != "jane" {
		t.Fatalf("audit event %+v", ev)
	}
}
