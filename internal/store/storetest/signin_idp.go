package storetest

import (
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

func sampleIdP(id string) *domain.IdentityProvider {
	return &domain.IdentityProvider{ID: id, DisplayName: "Provider " + id, Issuer: "https://" + id + ".example.com",
		ClientID: "tollgate-at-" + id, SealedSecret: []byte("sealed-" + id),
		Scopes: []string{domain.ScopeOpenID, domain.ScopeEmail}, UsernameClaim: "email", CreateUsers: true,
		DefaultRoles: []string{"reader"}, Enabled: true, ByOperator: true, CreatedAt: base, UpdatedAt: base}
}

// testIdentityProviders pins providers: CRUD, the write-only secret kept
// by updates, default roles checked and counted as uses, the change feed
// and tenant isolation.
func testIdentityProviders(t *testing.T, s store.Store) {
	c := ctx(t)
	signinUsers(t, s)
	in := sampleIdP("corp")
	ok(t, s.CreateIdentityProvider(c, "acme", in))
	eq(t, "Tenant after create", in.Tenant, "acme")
	got, err := s.GetIdentityProvider(c, "acme", "corp")
	ok(t, err)
	eq(t, "Tenant", got.Tenant, "acme")
	eq(t, "ID", got.ID, "corp")
	eq(t, "DisplayName", got.DisplayName, "Provider corp")
	eq(t, "Issuer", got.Issuer, "https://corp.example.com")
	eq(t, "ClientID", got.ClientID, "tollgate-at-corp")
	eq(t, "SealedSecret", string(got.SealedSecret), "sealed-corp")
	eqList(t, "Scopes", got.Scopes, []string{domain.ScopeOpenID, domain.ScopeEmail})
	eq(t, "UsernameClaim", got.UsernameClaim, "email")
	eq(t, "CreateUsers", got.CreateUsers, true)
	eqList(t, "DefaultRoles", got.DefaultRoles, []string{"reader"})
	eq(t, "Enabled", got.Enabled, true)
	eq(t, "ByOperator", got.ByOperator, true)
	eqTime(t, "CreatedAt", got.CreatedAt, base)
	eqTime(t, "UpdatedAt", got.UpdatedAt, base)

	t.Run("create refusals", func(t *testing.T) {
		isErr(t, s.CreateIdentityProvider(c, "acme", sampleIdP("corp")), domain.ErrConflict)
		isErr(t, s.CreateIdentityProvider(c, "ghost", sampleIdP("corp")), domain.ErrNotFound)
		bad := sampleIdP("bad")
		bad.DefaultRoles = []string{"reader", "no-such-role"}
		invalidOn(t, s.CreateIdentityProvider(c, "acme", bad), "defaultRoles", "no-such-role")
		_, err := s.GetIdentityProvider(c, "acme", "bad")
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("update keeps the secret fn leaves nil", func(t *testing.T) {
		before := time.Now().Add(-time.Second)
		up, err := s.UpdateIdentityProvider(c, "acme", "corp", func(p *domain.IdentityProvider) error {
			p.DisplayName, p.Enabled, p.SealedSecret, p.DefaultRoles = "Corp", false, nil, nil
			p.ID, p.CreatedAt = "renamed", base.Add(time.Hour) // both kept
			return nil
		})
		ok(t, err)
		eq(t, "returned SealedSecret", string(up.SealedSecret), "sealed-corp")
		got, err := s.GetIdentityProvider(c, "acme", "corp")
		ok(t, err)
		eq(t, "DisplayName", got.DisplayName, "Corp")
		eq(t, "Enabled", got.Enabled, false)
		eq(t, "SealedSecret", string(got.SealedSecret), "sealed-corp")
		eq(t, "DefaultRoles", len(got.DefaultRoles), 0)
		eqTime(t, "CreatedAt", got.CreatedAt, base)
		if got.UpdatedAt.Before(before) {
			t.Fatalf("UpdatedAt = %v, want the time of the update", got.UpdatedAt)
		}
		_, err = s.UpdateIdentityProvider(c, "acme", "corp", func(p *domain.IdentityProvider) error {
			p.SealedSecret, p.DefaultRoles = []byte("sealed-2"), []string{"reader"}
			return nil
		})
		ok(t, err)
		got, err = s.GetIdentityProvider(c, "acme", "corp")
		ok(t, err)
		eq(t, "new SealedSecret", string(got.SealedSecret), "sealed-2")
		eqList(t, "DefaultRoles", got.DefaultRoles, []string{"reader"})
	})
	t.Run("update refusals write nothing", func(t *testing.T) {
		_, err := s.UpdateIdentityProvider(c, "acme", "corp", func(p *domain.IdentityProvider) error {
			p.DisplayName, p.DefaultRoles = "Nope", []string{"no-such-role"}
			return nil
		})
		invalidOn(t, err, "defaultRoles", "no-such-role")
		got, err := s.GetIdentityProvider(c, "acme", "corp")
		ok(t, err)
		eq(t, "DisplayName", got.DisplayName, "Corp")
		_, err = s.UpdateIdentityProvider(c, "acme", "ghost", func(*domain.IdentityProvider) error { return nil })
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("paging", func(t *testing.T) {
		testPaging(t, "idp", 7, []string{"corp"}, func(id string) error {
			return s.CreateIdentityProvider(c, "acme", sampleIdP(id))
		}, func(p domain.Page) ([]string, error) {
			l, err := s.ListIdentityProviders(c, "acme", p)
			return ids(l, func(x domain.IdentityProvider) string { return x.ID }), err
		})
	})
	t.Run("wrong tenant", func(t *testing.T) {
		_, err := s.GetIdentityProvider(c, "other", "corp")
		isErr(t, err, domain.ErrNotFound)
		l, err := s.ListIdentityProviders(c, "other", domain.Page{})
		ok(t, err)
		eq(t, "providers of other", len(l), 0)
		_, err = s.UpdateIdentityProvider(c, "other", "corp", func(*domain.IdentityProvider) error { return nil })
		isErr(t, err, domain.ErrNotFound)
		isErr(t, s.DeleteIdentityProvider(c, "other", "corp"), domain.ErrNotFound)
	})
	t.Run("a default role is in use", func(t *testing.T) {
		defineRoles(t, s, "acme", "fed")
		p := sampleIdP("uses")
		p.DefaultRoles = []string{"reader", "fed"}
		ok(t, s.CreateIdentityProvider(c, "acme", p))
		inUse(t, s.DeleteRole(c, "acme", "fed", false), "role", "fed", domain.Uses{IdentityProviders: 1})
		before, err := s.FeedPosition(c)
		ok(t, err)
		ok(t, s.DeleteRole(c, "acme", "fed", true))
		got, err := s.GetIdentityProvider(c, "acme", "uses")
		ok(t, err)
		eqList(t, "DefaultRoles after forced delete", got.DefaultRoles, []string{"reader"})
		changes, err := s.ChangesSince(c, before, 0)
		ok(t, err)
		var feed []string
		for _, ch := range changes {
			feed = append(feed, ch.Tenant+" "+ch.Entity+" "+ch.ID)
		}
		eqList(t, "changes", feed, []string{"acme identity_provider uses", "acme role fed"})
	})
	t.Run("delete", func(t *testing.T) {
		ok(t, s.DeleteIdentityProvider(c, "acme", "uses"))
		_, err := s.GetIdentityProvider(c, "acme", "uses")
		isErr(t, err, domain.ErrNotFound)
		isErr(t, s.DeleteIdentityProvider(c, "acme", "uses"), domain.ErrNotFound)
	})
}

// testFederatedIdentities pins links of provider subjects to users:
// lookup, conflicts, the atomic creation of a user with its link, and the
// links' end with their user or provider.
func testFederatedIdentities(t *testing.T, s store.Store) {
	c := ctx(t)
	signinUsers(t, s)
	for _, tenant := range []string{"acme", "other"} {
		ok(t, s.CreateIdentityProvider(c, tenant, sampleIdP("corp")))
	}
	link := func(subject, user string) *domain.FederatedIdentity {
		return &domain.FederatedIdentity{Provider: "corp", Subject: subject, UserID: user, CreatedAt: base}
	}
	_, err := s.FederatedUser(c, "acme", "corp", "sub-1")
	isErr(t, err, domain.ErrNotFound)
	in := link("sub-1", "john")
	ok(t, s.LinkIdentity(c, "acme", in))
	eq(t, "Tenant after link", in.Tenant, "acme")
	u, err := s.FederatedUser(c, "acme", "corp", "sub-1")
	ok(t, err)
	eq(t, "linked user", u.ID, "john")
	eq(t, "Tenant", u.Tenant, "acme")
	eq(t, "Email", u.Email, "john@example.com")

	t.Run("link refusals", func(t *testing.T) {
		isErr(t, s.LinkIdentity(c, "acme", link("sub-1", "jane")), domain.ErrConflict)
		isErr(t, s.LinkIdentity(c, "acme", link("sub-9", "ghost")), domain.ErrNotFound)
		bad := link("sub-9", "john")
		bad.Provider = "ghost"
		isErr(t, s.LinkIdentity(c, "acme", bad), domain.ErrNotFound)
		isErr(t, s.LinkIdentity(c, "ghost", link("sub-9", "john")), domain.ErrNotFound)
		// One subject per user and provider: another subject naming a
		// linked user is not let in beside the first.
		isErr(t, s.LinkIdentity(c, "acme", link("sub-2", "john")), domain.ErrConflict)
	})
	t.Run("wrong tenant", func(t *testing.T) {
		_, err := s.FederatedUser(c, "other", "corp", "sub-1")
		isErr(t, err, domain.ErrNotFound)
		ok(t, s.LinkIdentity(c, "other", link("sub-1", "jane")))
		u, err := s.FederatedUser(c, "other", "corp", "sub-1")
		ok(t, err)
		eq(t, "user of sub-1 in other", u.ID, "jane")
	})
	t.Run("create a user with its link", func(t *testing.T) {
		before, err := s.FeedPosition(c)
		ok(t, err)
		nu := &domain.User{ID: "ann", Email: "ann@corp.example.com", DisplayName: "Ann",
			Roles: []string{"reader"}, Source: domain.SourceOIDC + "corp"}
		f := &domain.FederatedIdentity{Provider: "corp", Subject: "sub-ann"}
		ok(t, s.CreateFederatedUser(c, "acme", nu, f))
		eq(t, "UserID of the link", f.UserID, "ann")
		got, err := s.FederatedUser(c, "acme", "corp", "sub-ann")
		ok(t, err)
		eq(t, "ID", got.ID, "ann")
		eq(t, "Email", got.Email, "ann@corp.example.com")
		eq(t, "Source", got.Source, domain.SourceOIDC+"corp")
		eq(t, "PasswordHash", got.PasswordHash, "")
		eqList(t, "Roles", got.Roles, []string{"reader"})
		if got.CreatedAt.IsZero() || !got.UpdatedAt.Equal(got.CreatedAt) {
			t.Fatalf("CreatedAt %v, UpdatedAt %v: want both set to the creation", got.CreatedAt, got.UpdatedAt)
		}
		changes, err := s.ChangesSince(c, before, 0)
		ok(t, err)
		eq(t, "changes", len(changes), 1)
		eq(t, "change", changes[0].Entity+" "+changes[0].ID, domain.EntityUser+" ann")
	})
	t.Run("create refusals write nothing", func(t *testing.T) {
		taken := sampleUser("john")
		isErr(t, s.CreateFederatedUser(c, "acme", taken, &domain.FederatedIdentity{Provider: "corp", Subject: "sub-3"}),
			domain.ErrConflict)
		_, err := s.FederatedUser(c, "acme", "corp", "sub-3")
		isErr(t, err, domain.ErrNotFound)

		isErr(t, s.CreateFederatedUser(c, "acme", sampleUser("bob"), &domain.FederatedIdentity{Provider: "corp", Subject: "sub-1"}),
			domain.ErrConflict)
		_, err = s.GetUser(c, "acme", "bob")
		isErr(t, err, domain.ErrNotFound)

		isErr(t, s.CreateFederatedUser(c, "acme", sampleUser("bob"), &domain.FederatedIdentity{Provider: "ghost", Subject: "sub-4"}),
			domain.ErrNotFound)
		_, err = s.GetUser(c, "acme", "bob")
		isErr(t, err, domain.ErrNotFound)

		odd := sampleUser("bob")
		odd.Roles = []string{"no-such-role"}
		invalidOn(t, s.CreateFederatedUser(c, "acme", odd, &domain.FederatedIdentity{Provider: "corp", Subject: "sub-5"}),
			"roles", "no-such-role")
		_, err = s.FederatedUser(c, "acme", "corp", "sub-5")
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("deleting the user deletes their links", func(t *testing.T) {
		ok(t, s.DeleteUser(c, "acme", "ann"))
		_, err := s.FederatedUser(c, "acme", "corp", "sub-ann")
		isErr(t, err, domain.ErrNotFound)
		ok(t, s.CreateUser(c, "acme", sampleUser("ann")))
		_, err = s.FederatedUser(c, "acme", "corp", "sub-ann")
		isErr(t, err, domain.ErrNotFound) // a new ann is not the old one
		ok(t, s.LinkIdentity(c, "acme", link("sub-ann", "jane")))
	})
	t.Run("deleting the provider deletes its links", func(t *testing.T) {
		ok(t, s.DeleteIdentityProvider(c, "acme", "corp"))
		ok(t, s.CreateIdentityProvider(c, "acme", sampleIdP("corp")))
		for _, sub := range []string{"sub-1", "sub-2", "sub-ann"} {
			_, err := s.FederatedUser(c, "acme", "corp", sub)
			isErr(t, err, domain.ErrNotFound)
		}
		_, err := s.GetUser(c, "acme", "john")
		ok(t, err) // the users stay
		u, err := s.FederatedUser(c, "other", "corp", "sub-1")
		ok(t, err)
		eq(t, "user of sub-1 in other", u.ID, "jane")
	})
}
