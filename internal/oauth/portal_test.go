package oauth

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
)

// ownedClient is an application john.doe registered in the developer
// portal; an admin later gave it orders:write and the scope "admin",
// which john.doe does not hold.
const ownedClient = "johns-app"

func addOwnedClient(t *testing.T, e *testEnv) {
	t.Helper()
	now := time.Now()
	if err := e.st.CreateApplication(context.Background(), domain.DefaultTenant, &domain.Application{
		ID: ownedClient, Name: "john's", Owner: "john.doe", SecretHash: secret.HashToken(clientSecret),
		GrantTypes: []string{domain.GrantClientCredentials}, Scopes: []string{"orders:read", "orders:write", "admin"},
		ClientType: domain.ClientConfidential, AccessTokenTTL: time.Hour, RefreshTokenTTL: time.Hour, CreatedAt: now, UpdatedAt: now,
	}); err != nil {
		t.Fatal(err)
	}
}

// TestIssueForPortal: the owner of an application gets its tokens
// without its secret, within what the token endpoint would grant, and
// each issuance is audited.
func TestIssueForPortal(t *testing.T) {
	e := newTestEnv(t)
	addOwnedClient(t, e)
	ctx := context.Background()
	issue := func(pt PortalToken) (*TokenResponse, error) {
		pt.RemoteAddr = "192.0.2.9"
		return e.srv.IssueForPortal(ctx, domain.DefaultTenant, pt)
	}

	r, err := issue(PortalToken{ClientID: ownedClient, Owner: "john.doe", Scopes: []string{"orders:read"}, Validity: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	c := e.claims(t, domain.DefaultTenant, r.AccessToken)
	if c.Subject != ownedClient || c.ClientID != ownedClient || c.Scope != "orders:read" || r.ExpiresIn != 600 ||
		c.ExpiresAt.Sub(c.IssuedAt) != 10*time.Minute {
		t.Errorf("client token: %+v, claims %+v", r, c)
	}
	ev := e.events.last(t)
	if ev.Grant != PortalGrantClient || ev.ClientID != ownedClient || ev.UserID != "john.doe" || ev.Outcome != domain.OutcomeSuccess ||
		ev.RemoteAddr != "192.0.2.9" || ev.Tenant != domain.DefaultTenant {
		t.Errorf("audit event %+v", ev)
	}
	r, err = issue(PortalToken{ClientID: ownedClient, Owner: "john.doe", ForOwner: true, Scopes: []string{"orders:read"}})
	if err != nil {
		t.Fatal(err)
	}
	if c := e.claims(t, domain.DefaultTenant, r.AccessToken); c.Subject != "john.doe" || c.ClientID != ownedClient || r.ExpiresIn != 3600 {
		t.Errorf("token for the owner: %+v, claims %+v", r, c)
	}
	if ev := e.events.last(t); ev.Grant != PortalGrantUser || ev.UserID != "john.doe" {
		t.Errorf("audit event %+v", ev)
	}

	for _, c := range []struct {
		name  string
		pt    PortalToken
		field string // of the InvalidError; "" for ErrNotFound
	}{
		{"a scope the owner lacks, for the client", PortalToken{ClientID: ownedClient, Owner: "john.doe", Scopes: []string{"orders:read", "orders:write"}}, "scope"},
		{"a scope the owner lacks, for the owner", PortalToken{ClientID: ownedClient, Owner: "john.doe", ForOwner: true, Scopes: []string{"orders:write"}}, "scope"},
		{"another scope the owner lacks", PortalToken{ClientID: ownedClient, Owner: "john.doe", Scopes: []string{"admin"}}, "scope"},
		{"a scope the application lacks", PortalToken{ClientID: ownedClient, Owner: "john.doe", ForOwner: true, Scopes: []string{"openid"}}, "scope"},
		{"no scope", PortalToken{ClientID: ownedClient, Owner: "john.doe"}, "scope"},
		{"longer than the application's lifetime", PortalToken{ClientID: ownedClient, Owner: "john.doe", Scopes: []string{"orders:read"}, Validity: 2 * time.Hour}, "validity"},
		{"another user's application", PortalToken{ClientID: ownedClient, Owner: "jane", ForOwner: true, Scopes: []string{"orders:read"}}, ""},
		{"an application admins registered", PortalToken{ClientID: webClient, Owner: "john.doe", Scopes: []string{"orders:read"}}, ""},
		{"an unknown application", PortalToken{ClientID: "nosuch", Owner: "john.doe", Scopes: []string{"orders:read"}}, ""},
	} {
		_, err := issue(c.pt)
		var invalid *domain.InvalidError
		if c.field == "" && !errors.Is(err, domain.ErrNotFound) || c.field != "" && (!errors.As(err, &invalid) || invalid.Field != c.field) {
			t.Errorf("%s: %v", c.name, err)
		}
		if ev := e.events.last(t); ev.Outcome != domain.OutcomeFailure || ev.Reason == "" {
			t.Errorf("%s: audit event %+v", c.name, ev)
		}
	}
}

// TestOwnedClientCredentials: at the token endpoint too, an application a
// user owns gets no more than its owner holds, and nothing once the owner
// is disabled.
func TestOwnedClientCredentials(t *testing.T) {
	e := newTestEnv(t)
	addOwnedClient(t, e)
	cc := func(scope string) url.Values {
		return values("grant_type", domain.GrantClientCredentials, "scope", scope)
	}
	auth := basic(ownedClient, clientSecret)
	r := e.mustToken(t, call{auth: auth, form: cc("orders:read orders:write admin")})
	if r.Scope != "orders:read" {
		t.Errorf("granted %q, want only what the owner holds", r.Scope)
	}
	if _, err := e.token(t, call{auth: auth, form: cc("admin")}); errorCode(err) != CodeInvalidScope {
		t.Errorf("admin scope: %v", err)
	}
	if _, err := e.st.UpdateUser(context.Background(), domain.DefaultTenant, "john.doe", func(u *domain.User) error {
		u.Disabled = true
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.token(t, call{auth: auth, form: cc("orders:read")}); errorCode(err) != CodeUnauthorizedClient {
		t.Errorf("owner disabled: %v", err)
	}
	// Applications admins registered are not limited by anyone's roles.
	if r := e.mustToken(t, call{auth: webBasic(), form: cc("orders:write")}); !slices.Equal([]string{r.Scope}, []string{"orders:write"}) {
		t.Errorf("admins' application: %q", r.Scope)
	}
}
