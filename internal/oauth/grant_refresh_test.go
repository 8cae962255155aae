package oauth

import (
	"context"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// session signs username in with the password grant and returns the
// refresh token, asking for scope and the resource indicators given.
func (e *testEnv) session(t *testing.T, username, scope string, resources ...string) string {
	t.Helper()
	form := passwordForm(username, testPassword, "scope", scope)
	for _, r := range resources {
		form.Add("resource", r)
	}
	rt := e.mustToken(t, call{auth: webBasic(), form: form}).RefreshToken
	if rt == "" {
		t.Fatal("no refresh token")
	}
	return rt
}

// refreshCall is a refresh request of the web client.
func refreshCall(rt string, kv ...string) call {
	return call{auth: webBasic(), form: values(append([]string{"grant_type", domain.GrantRefreshToken, "refresh_token", rt}, kv...)...)}
}

// TestRefreshGrant: RFC 6749 §6, the original grant as the scope and
// audience limit, and the user's roles as they are now.
func TestRefreshGrant(t *testing.T) {
	e := newTestEnv(t)
	e.run(t, []tokenCase{
		{name: "rotates and keeps the grant",
			prepare: func(t *testing.T, e *testEnv) call {
				return refreshCall(e.session(t, "jane", "orders:read orders:write"))
			},
			check: func(t *testing.T, e *testEnv, r *TokenResponse) {
				c := e.claims(t, domain.DefaultTenant, r.AccessToken)
				if r.Scope != "orders:read orders:write" || r.RefreshToken == "" || c.Subject != "jane" || c.FamilyID == "" {
					t.Fatalf("response %+v, claims %+v", r, c)
				}
			}},
		{name: "may narrow the scopes",
			prepare: func(t *testing.T, e *testEnv) call {
				return refreshCall(e.session(t, "jane", "orders:read orders:write"), "scope", "orders:write")
			},
			check: wantScope("orders:write")},
		{name: "may not widen the scopes",
			prepare: func(t *testing.T, e *testEnv) call {
				return refreshCall(e.session(t, "jane", "orders:read"), "scope", "orders:write")
			},
			wantCode: CodeInvalidScope},
		{name: "scope default keeps the grant",
			prepare: func(t *testing.T, e *testEnv) call {
				return refreshCall(e.session(t, "jane", "orders:write"), "scope", "default")
			},
			check: func(t *testing.T, e *testEnv, r *TokenResponse) {
				if c := e.claims(t, domain.DefaultTenant, r.AccessToken); r.Scope != "default" || c.Scope != "orders:write" {
					t.Fatalf("response scope %q, token scope %q", r.Scope, c.Scope)
				}
			}},
		{name: "roles taken away since are taken out",
			prepare: func(t *testing.T, e *testEnv) call {
				rt := e.session(t, "jane", "orders:read orders:write")
				e.setRoles(t, "jane", "reader")
				t.Cleanup(func() { e.setRoles(t, "jane", "writer") })
				return refreshCall(rt)
			},
			check: wantScope("orders:read")},
		{name: "keeps the audience",
			prepare: func(t *testing.T, e *testEnv) call {
				return refreshCall(e.session(t, "john.doe", "", "https://a.example.com", "https://b.example.com"))
			},
			check: func(t *testing.T, e *testEnv, r *TokenResponse) {
				if c := e.claims(t, domain.DefaultTenant, r.AccessToken); len(c.Audience) != 2 || r.Resource != "" {
					t.Fatalf("aud %v, resource %q", c.Audience, r.Resource)
				}
			}},
		{name: "may narrow the audience",
			prepare: func(t *testing.T, e *testEnv) call {
				rt := e.session(t, "john.doe", "", "https://a.example.com", "https://b.example.com")
				return refreshCall(rt, "resource", "https://b.example.com")
			},
			check: func(t *testing.T, e *testEnv, r *TokenResponse) {
				if c := e.claims(t, domain.DefaultTenant, r.AccessToken); len(c.Audience) != 1 || r.Resource != "https://b.example.com" || r.ExpiresOn == "" {
					t.Fatalf("aud %v, response %+v", c.Audience, r)
				}
			}},
		{name: "may not widen the audience",
			prepare: func(t *testing.T, e *testEnv) call {
				return refreshCall(e.session(t, "john.doe", "", "https://a.example.com"), "resource", "https://c.example.com")
			},
			wantCode: CodeInvalidTarget},
	})
}

// TestRefreshRotation: each use consumes the token (OAuth 2.0 Security
// BCP §4.14); a reuse revokes the session, except a retry within the
// application's grace; the token is bound to its client and its user.
func TestRefreshRotation(t *testing.T) {
	e := newTestEnv(t)
	var successor string // of the grace case's first rotation
	e.run(t, []tokenCase{
		{name: "missing refresh_token", call: call{auth: webBasic(), form: values("grant_type", domain.GrantRefreshToken)}, wantCode: CodeInvalidRequest},
		{name: "forged refresh token", call: refreshCall("tgr_forged"), wantCode: CodeInvalidGrant},
		{name: "forged refresh token with a wrong client", call: call{auth: basic(webClient, "wrong"),
			form: values("grant_type", domain.GrantRefreshToken, "refresh_token", "tgr_forged")}, wantCode: CodeInvalidClient},
		{name: "another client's token revokes its family",
			prepare: func(t *testing.T, e *testEnv) call {
				rt := e.session(t, "john.doe", "")
				if _, err := e.token(t, call{auth: basic(ccOnlyClient, clientSecret), form: refreshCall(rt).form}); errorCode(err) != CodeUnauthorizedClient {
					t.Fatalf("a client without the grant: %v", err)
				}
				e.addGrant(t, ccOnlyClient, domain.GrantRefreshToken)
				if _, err := e.token(t, call{auth: basic(ccOnlyClient, clientSecret), form: refreshCall(rt).form}); errorCode(err) != CodeInvalidGrant {
					t.Fatalf("another client's token: %v", err)
				}
				return refreshCall(rt)
			},
			wantCode: CodeInvalidGrant},
		{name: "a user disabled since",
			prepare: func(t *testing.T, e *testEnv) call {
				rt := e.session(t, "john.doe", "")
				e.setDisabled(t, "john.doe", true)
				t.Cleanup(func() { e.setDisabled(t, "john.doe", false) })
				return refreshCall(rt)
			},
			wantCode: CodeInvalidGrant, wantDesc: "no longer active"},
		{name: "a retry within the grace gets the same successor",
			prepare: func(t *testing.T, e *testEnv) call {
				rt := e.session(t, "john.doe", "")
				successor = e.mustToken(t, refreshCall(rt)).RefreshToken
				return refreshCall(rt)
			},
			check: func(t *testing.T, e *testEnv, r *TokenResponse) {
				if r.RefreshToken != successor {
					t.Fatalf("retry got %q, want the successor %q", r.RefreshToken, successor)
				}
			}},
		{name: "reuse once the successor was used revokes the session",
			prepare: func(t *testing.T, e *testEnv) call {
				rt := e.session(t, "john.doe", "")
				next := e.mustToken(t, refreshCall(rt))
				e.mustToken(t, refreshCall(next.RefreshToken))
				return refreshCall(rt)
			},
			wantCode: CodeInvalidGrant, wantDesc: "already used"},
	})
}

// setRoles replaces a default-tenant user's roles.
func (e *testEnv) setRoles(t *testing.T, user string, roles ...string) {
	t.Helper()
	e.updateUser(t, user, func(u *domain.User) { u.Roles = roles })
}

// setDisabled disables or enables a default-tenant user.
func (e *testEnv) setDisabled(t *testing.T, user string, disabled bool) {
	t.Helper()
	e.updateUser(t, user, func(u *domain.User) { u.Disabled = disabled })
}

func (e *testEnv) updateUser(t *testing.T, user string, change func(*domain.User)) {
	t.Helper()
	_, err := e.st.UpdateUser(context.Background(), domain.DefaultTenant, user, func(u *domain.User) error {
		change(u)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// addGrant lets a default-tenant application use grant type g.
func (e *testEnv) addGrant(t *testing.T, clientID, g string) {
	t.Helper()
	_, err := e.st.UpdateApplication(context.Background(), domain.DefaultTenant, clientID, func(a *domain.Application) error {
		a.GrantTypes = append(a.GrantTypes, g)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if err := e.srv.Changed(context.Background(), domain.Change{Tenant: domain.DefaultTenant,
		Entity: domain.EntityApplication, ID: clientID}); err != nil {
		t.Fatal(err)
	}
}
