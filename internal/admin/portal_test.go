package admin

import (
	"context"
	"errors"
	"slices"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
)

// A user registers an application of their own: third party, within
// their scopes, never the admin scope, and out of every other user's
// reach.
func TestOwnApplications(t *testing.T) {
	f := newFixture(t, newSeed(t))
	ctx := context.Background()
	bob := Principal{Tenant: "acme", Subject: "bob", Scopes: []string{"orders:read"}}
	carol := Principal{Tenant: "acme", Subject: "carol"}
	alice := Principal{Tenant: "acme", Subject: "alice", Scopes: []string{domain.AdminScope, "spare"}}

	a, err := f.svc.RegisterApplication(ctx, bob, "acme", OwnApplicationSpec{Name: "bob's tool", Scopes: []string{"orders:read"}})
	if err != nil {
		t.Fatal(err)
	}
	if a.Owner != "bob" || a.FirstParty || a.IsPublic() || len(a.SecretHash) != 0 ||
		!slices.Equal(a.GrantTypes, []string{domain.GrantClientCredentials}) || !slices.Equal(a.Scopes, []string{"orders:read"}) {
		t.Errorf("registered: %+v", a)
	}
	web, err := f.svc.RegisterApplication(ctx, bob, "acme", OwnApplicationSpec{Name: "web", RedirectURIs: []string{"https://app.example/cb"}})
	if err != nil || !web.AllowsGrant(domain.GrantAuthorizationCode) || web.FirstParty {
		t.Errorf("with a redirect URI: %+v, %v", web, err)
	}

	for _, c := range []struct {
		name string
		p    Principal
		spec OwnApplicationSpec
		want string // the field of the InvalidError, "" for ErrForbidden
	}{
		{"a scope the user lacks", bob, OwnApplicationSpec{Name: "x", Scopes: []string{"spare"}}, "scopes"},
		{"the admin scope, even for an admin", alice, OwnApplicationSpec{Name: "x", Scopes: []string{domain.AdminScope}}, "scopes"},
		{"no name", bob, OwnApplicationSpec{}, "name"},
		{"the bootstrap token, nobody's", Principal{Bootstrap: true}, OwnApplicationSpec{Name: "x"}, ""},
		{"another tenant's user", Principal{Tenant: "other", Subject: "bob"}, OwnApplicationSpec{Name: "x"}, ""},
	} {
		_, err := f.svc.RegisterApplication(ctx, c.p, "acme", c.spec)
		var inv *domain.InvalidError
		if c.want == "" && !errors.Is(err, ErrForbidden) || c.want != "" && (!errors.As(err, &inv) || inv.Field != c.want) {
			t.Errorf("%s: %v", c.name, err)
		}
	}

	if own, err := f.svc.ListOwnApplications(ctx, bob, "acme"); err != nil || len(own) != 2 {
		t.Errorf("bob's applications: %d, %v", len(own), err)
	}
	if own, err := f.svc.ListOwnApplications(ctx, carol, "acme"); err != nil || len(own) != 0 {
		t.Errorf("carol's applications: %+v, %v", own, err)
	}
	// Neither another user nor an admin-created application is reachable.
	for _, c := range []struct {
		name string
		p    Principal
		id   string
	}{{"carol on bob's", carol, a.ID}, {"bob on the admins'", bob, f.appID}} {
		if _, err := f.svc.GetOwnApplication(ctx, c.p, "acme", c.id); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%s: get %v", c.name, err)
		}
		if _, _, err := f.svc.RotateOwnApplicationSecret(ctx, c.p, "acme", c.id); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%s: rotate %v", c.name, err)
		}
		if err := f.svc.DeleteOwnApplication(ctx, c.p, "acme", c.id); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("%s: delete %v", c.name, err)
		}
	}

	_, first, err := f.svc.RotateOwnApplicationSecret(ctx, bob, "acme", a.ID)
	if err != nil {
		t.Fatal(err)
	}
	_, second, err := f.svc.RotateOwnApplicationSecret(ctx, bob, "acme", a.ID)
	if err != nil || first == second {
		t.Fatalf("second rotation: %v", err)
	}
	got, _ := f.svc.GetOwnApplication(ctx, bob, "acme", a.ID)
	if !secret.Equal(got.SecretHash, secret.HashToken(second)) || secret.Equal(got.SecretHash, secret.HashToken(first)) {
		t.Error("the stored secret is not the last one generated")
	}
	if err := f.svc.DeleteOwnApplication(ctx, bob, "acme", a.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.GetOwnApplication(ctx, bob, "acme", a.ID); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
	// Admins' rights are unchanged: they still may not set an owner.
	if _, _, err := f.svc.CreateApplication(ctx, Principal{Bootstrap: true}, "acme", ApplicationPatch{Name: ptr("x"), Owner: ptr("bob")}); err == nil {
		t.Error("an admin created an application with an owner")
	}
}

// Every user of a tenant reads its APIs, without their upstreams.
func TestListPublishedAPIs(t *testing.T) {
	f := newFixture(t, newSeed(t))
	ctx := context.Background()
	for _, c := range []struct {
		name         string
		p            Principal
		wantErr      error
		wantUpstream bool
	}{
		{"user", Principal{Tenant: "acme", Subject: "carol"}, nil, false},
		{"tenant admin", Principal{Tenant: "acme", Subject: "alice", Scopes: []string{domain.AdminScope}}, nil, true},
		{"other tenant's user", Principal{Tenant: "other", Subject: "bob"}, ErrForbidden, false},
		{"gateway credential", Principal{GatewayCredential: "edge"}, ErrForbidden, false},
	} {
		apis, _, err := f.svc.ListPublishedAPIs(ctx, c.p, "acme", domain.Page{})
		if !errors.Is(err, c.wantErr) {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if err == nil && (len(apis) != 1 || len(apis[0].Resources) != 1 || (apis[0].Upstream != "") != c.wantUpstream) {
			t.Errorf("%s: %+v", c.name, apis)
		}
	}
}
