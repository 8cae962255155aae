package storetest

import (
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

func testDeleteExpired(t *testing.T, s store.Store) {
	newTenant(t, s, "acme")
	c := ctx(t)
	cut := base.Add(time.Hour)
	// Expired at cut: 2 refresh tokens, 1 revocation, 1 key. Live: the rest.
	for _, tok := range []struct {
		name    string
		expires time.Time
	}{{"dead1", cut.Add(-time.Second)}, {"dead2", cut}, {"live", cut.Add(time.Second)}} {
		rt := sampleRefresh(tok.name, "fam-"+tok.name)
		rt.ExpiresAt = tok.expires
		ok(t, s.CreateRefreshToken(c, "acme", rt))
	}
	ok(t, s.AddRevocation(c, &domain.Revocation{Tenant: "acme", Kind: domain.RevokeTokenID, Value: "old", ExpiresAt: cut}))
	ok(t, s.AddRevocation(c, &domain.Revocation{Tenant: "acme", Kind: domain.RevokeTokenID, Value: "new", ExpiresAt: cut.Add(time.Minute)}))
	ok(t, s.CreateSigningKey(c, "acme", sampleKey("k1", base)))
	ok(t, s.RotateSigningKey(c, "acme", sampleKey("k2", base.Add(time.Minute)), cut))
	ok(t, s.RotateSigningKey(c, "acme", sampleKey("k3", base.Add(2*time.Minute)), cut.Add(time.Hour)))

	n, err := s.DeleteExpired(c, cut)
	ok(t, err)
	eq(t, "rows deleted", n, int64(4))
	_, err = s.GetRefreshToken(c, "acme", hash("live"), base)
	ok(t, err)
	rs, err := s.RevocationsSince(c, 0, 0)
	ok(t, err)
	eq(t, "revocations left", len(rs), 1)
	eq(t, "revocation left", rs[0].Value, "new")
	// k1 is gone even when listing at an earlier instant, so it was deleted.
	eqList(t, "keys left", keyIDs(t, s, "acme", base), []string{"k3", "k2"})
	n, err = s.DeleteExpired(c, cut)
	ok(t, err)
	eq(t, "second run", n, int64(0))
}

func testDeleteTenant(t *testing.T, s store.Store) {
	c := ctx(t)
	fillTenant(t, s, "gone")
	fillTenant(t, s, "stays")
	ok(t, s.AppendAudit(c, []domain.AuditEvent{{Time: base, Tenant: "gone", Action: domain.ActionToken,
		Grant: domain.GrantPassword, Outcome: domain.OutcomeSuccess, ClientID: "app1", UserID: "john"}}))
	ok(t, s.DeleteTenant(c, "gone"))
	_, err := s.GetTenant(c, "gone")
	isErr(t, err, domain.ErrNotFound)
	assertEmpty(t, s, "gone")
	_, err = s.GetUser(c, "stays", "john")
	ok(t, err)
	rs, err := s.RevocationsSince(c, 0, 0)
	ok(t, err)
	for _, r := range rs {
		if r.Tenant == "gone" {
			t.Fatalf("revocation of deleted tenant survived: %+v", r)
		}
	}
	eq(t, "revocations of the other tenant", len(rs), 1)
	// The id is free again, with fresh built-ins.
	newTenant(t, s, "gone")
	_, err = s.GetUser(c, "gone", "john")
	isErr(t, err, domain.ErrNotFound)
	_, err = s.GetRole(c, "gone", domain.AdminRole)
	ok(t, err)
	// …and none of the old tenant's audit history or statistics.
	evs, err := s.ListAudit(c, "gone", domain.AuditFilter{})
	ok(t, err)
	counts, err := s.TokenCounts(c, "gone", base.Add(-time.Hour), base.Add(time.Hour), time.Hour)
	ok(t, err)
	users, _, err := s.ApplicationUsers(c, "gone", "app1", domain.Page{})
	ok(t, err)
	if len(evs)+len(counts)+len(users) != 0 {
		t.Fatalf("recreated tenant sees old audit data: %d events, %d counts, %d users", len(evs), len(counts), len(users))
	}
}

// fillTenant creates the tenant and one record of every kind, all with the
// same ids in every tenant.
func fillTenant(t *testing.T, s store.Store, tenant string) {
	t.Helper()
	c := ctx(t)
	newTenant(t, s, tenant)
	defineSamples(t, s, tenant)
	ok(t, s.CreateScope(c, tenant, &domain.Scope{ID: "orders:read", Description: tenant}))
	ok(t, s.CreateScope(c, tenant, &domain.Scope{ID: "tenant:" + tenant}))
	ok(t, errOf(s.UpdateRole(c, tenant, "reader", replaceWith(&domain.Role{Scopes: []string{"orders:read", "tenant:" + tenant}}))))
	u := sampleUser("john")
	u.DisplayName = tenant
	ok(t, s.CreateUser(c, tenant, u))
	a := sampleApp("app-" + tenant) // client ids are unique across tenants
	a.Name = tenant
	ok(t, s.CreateApplication(c, tenant, a))
	ok(t, s.CreateRefreshToken(c, tenant, sampleRefresh("rt-"+tenant, "fam1")))
	ok(t, s.CreateSigningKey(c, tenant, sampleKey("k1", base)))
	ok(t, s.AddRevocation(c, &domain.Revocation{Tenant: tenant, Kind: domain.RevokeTokenID, Value: "jti1", ExpiresAt: base.Add(time.Hour)}))
}

// assertEmpty checks a tenant has no records left of any kind.
func assertEmpty(t *testing.T, s store.Store, tenant string) {
	t.Helper()
	c := ctx(t)
	p := domain.Page{}
	us, err := s.ListUsers(c, tenant, p)
	ok(t, err)
	rs, err := s.ListRoles(c, tenant, p)
	ok(t, err)
	ss, err := s.ListScopes(c, tenant, p)
	ok(t, err)
	as, err := s.ListApplications(c, tenant, p)
	ok(t, err)
	ks, err := s.ListSigningKeys(c, tenant, base)
	ok(t, err)
	if len(us)+len(rs)+len(ss)+len(as)+len(ks) != 0 {
		t.Fatalf("tenant %s not empty: %d users, %d roles, %d scopes, %d apps, %d keys",
			tenant, len(us), len(rs), len(ss), len(as), len(ks))
	}
	_, err = s.GetRefreshToken(c, tenant, hash("rt-"+tenant), base)
	isErr(t, err, domain.ErrNotFound)
}
