package admin

import (
	"context"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/gateway/upstream"
)

// seedSignIn adds the seed's identity provider, sessions and consent
// (newSeed) straight to the store: the admin API creates no sessions or
// consents, and the provider needs no discovery here.
func seedSignIn(t *testing.T, svc *Service, appID string) {
	t.Helper()
	ctx, now := context.Background(), time.Now().UTC()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(svc.store.CreateIdentityProvider(ctx, "acme", &domain.IdentityProvider{Tenant: "acme", ID: "corp", DisplayName: "Corp",
		Issuer: "https://login.example", ClientID: "tollgate", Scopes: []string{"openid"}, UsernameClaim: "email",
		DefaultRoles: []string{}, Enabled: true, CreatedAt: now, UpdatedAt: now}))
	for _, u := range []string{"bob", "carol"} {
		must(svc.store.CreateSession(ctx, "acme", &domain.Session{Tenant: "acme", ID: "s-" + u, Hash: []byte("hash of " + u),
			UserID: u, Methods: []string{domain.AMRPassword}, AuthTime: now, CreatedAt: now, LastSeenAt: now,
			ExpiresAt: now.Add(domain.DefaultSessionMaxAge)}))
	}
	must(svc.store.PutConsent(ctx, "acme", &domain.Consent{Tenant: "acme", UserID: "bob", ClientID: appID,
		Scopes: []string{"orders:read"}, CreatedAt: now, UpdatedAt: now}))
}

// signInUseCases are the permission matrix's rows of browser sign-in.
func signInUseCases(t *testing.T) []struct {
	name    string
	allowed []string
	run     func(ctx context.Context, f *fixture, p Principal) error
} {
	op := newProvider(t, "")
	loopback, err := upstream.NewPolicy([]string{"127.0.0.0/8"})
	if err != nil {
		t.Fatal(err)
	}
	page := domain.Page{}
	type row = struct {
		name    string
		allowed []string
		run     func(ctx context.Context, f *fixture, p Principal) error
	}
	return []row{
		{"CreateIdentityProvider", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			f.svc.upstreams = loopback
			_, err := f.svc.CreateIdentityProvider(ctx, p, "acme", "team", IdentityProviderPatch{Issuer: &op.url, ClientID: ptr("x")})
			return err
		}},
		{"GetIdentityProvider", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.GetIdentityProvider(ctx, p, "acme", "corp")
			return err
		}},
		{"ListIdentityProviders", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, _, err := f.svc.ListIdentityProviders(ctx, p, "acme", page)
			return err
		}},
		{"UpdateIdentityProvider", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.UpdateIdentityProvider(ctx, p, "acme", "corp", IdentityProviderPatch{DisplayName: ptr("Corporate")})
			return err
		}},
		{"DeleteIdentityProvider", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			return f.svc.DeleteIdentityProvider(ctx, p, "acme", "corp")
		}},
		{"ListSessions of oneself", selfOrAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.ListSessions(ctx, p, "acme", "bob")
			return err
		}},
		{"ListSessions of another", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.ListSessions(ctx, p, "acme", "carol")
			return err
		}},
		{"EndSession of oneself", selfOrAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			return f.svc.EndSession(ctx, p, "acme", "bob", "s-bob")
		}},
		{"EndSession of another", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			return f.svc.EndSession(ctx, p, "acme", "carol", "s-carol")
		}},
		{"EndSessions of oneself", selfOrAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.EndSessions(ctx, p, "acme", "bob")
			return err
		}},
		{"EndSessions of another", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.EndSessions(ctx, p, "acme", "carol")
			return err
		}},
		{"ListConsents of oneself", selfOrAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.ListConsents(ctx, p, "acme", "bob")
			return err
		}},
		{"ListConsents of another", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.ListConsents(ctx, p, "acme", "carol")
			return err
		}},
		{"RevokeConsent of oneself", selfOrAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			return f.svc.RevokeConsent(ctx, p, "acme", "bob", f.appID)
		}},
	}
}
