package storetest

import (
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// testTenantIsolation writes every kind of record in tenant a and proves
// that tenant b can neither see nor change it (Hydra's persister_nid_test),
// then that equal ids in two tenants are independent records.
func testTenantIsolation(t *testing.T, s store.Store) {
	c := ctx(t)
	now := base.Add(time.Minute)
	fillTenant(t, s, "a")
	newTenant(t, s, "b")

	t.Run("wrong tenant cannot get", func(t *testing.T) {
		_, err := s.GetUser(c, "b", "john")
		isErr(t, err, domain.ErrNotFound)
		_, err = s.GetRole(c, "b", "reader")
		isErr(t, err, domain.ErrNotFound)
		_, err = s.GetScope(c, "b", "orders:read")
		isErr(t, err, domain.ErrNotFound)
		_, err = s.GetApplication(c, "b", "app-a")
		isErr(t, err, domain.ErrNotFound)
		_, err = s.GetRefreshToken(c, "b", hash("rt-a"), now)
		isErr(t, err, domain.ErrNotFound)
		_, err = s.FindRefreshToken(c, "b", hash("rt-a"), now)
		isErr(t, err, domain.ErrNotFound)
		sc, err := s.RoleScopes(c, "b", []string{"reader"})
		ok(t, err)
		eq(t, "role scopes from b", len(sc), 0)
		_, _, err = s.GetUserWithScopes(c, "b", "john")
		isErr(t, err, domain.ErrNotFound)
		// A user of b cannot name a role that exists only in a.
		err = s.CreateUser(c, "b", &domain.User{ID: "borrower", Roles: []string{"reader"}, Source: domain.SourceLocal})
		if !domain.IsInvalid(err) {
			t.Fatalf("user of b naming a's role: %v, want invalid", err)
		}
	})
	t.Run("wrong tenant cannot list", func(t *testing.T) {
		us, err := s.ListUsers(c, "b", domain.Page{})
		ok(t, err)
		as, err := s.ListApplications(c, "b", domain.Page{})
		ok(t, err)
		ks, err := s.ListSigningKeys(c, "b", now)
		ok(t, err)
		rs, err := s.ListRoles(c, "b", domain.Page{})
		ok(t, err)
		ss, err := s.ListScopes(c, "b", domain.Page{})
		ok(t, err)
		eq(t, "users", len(us), 0)
		eq(t, "apps", len(as), 0)
		eq(t, "keys", len(ks), 0)
		eqList(t, "roles (built-ins only)", ids(rs, func(r domain.Role) string { return r.ID }), []string{domain.AdminRole})
		eqList(t, "scopes (built-ins only)", ids(ss, func(x domain.Scope) string { return x.ID }), []string{domain.AdminScope})
	})
	t.Run("wrong tenant cannot update", func(t *testing.T) {
		isErr(t, errOf(s.UpdateUser(c, "b", "john", replaceWith(sampleUser("john")))), domain.ErrNotFound)
		isErr(t, s.SetPasswordHash(c, "b", "john", "$argon2id$old", "stolen"), domain.ErrNotFound)
		isErr(t, errOf(s.UpdateRole(c, "b", "reader", replaceWith(&domain.Role{}))), domain.ErrNotFound)
		isErr(t, errOf(s.UpdateScope(c, "b", "orders:read", replaceWith(&domain.Scope{}))), domain.ErrNotFound)
		isErr(t, errOf(s.UpdateApplication(c, "b", "app-a", replaceWith(sampleApp("app-a")))), domain.ErrNotFound)
		_, err := s.SetApplicationSecret(c, "b", "app-a", []byte("stolen"))
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("wrong tenant cannot delete", func(t *testing.T) {
		isErr(t, s.DeleteUser(c, "b", "john"), domain.ErrNotFound)
		isErr(t, s.DeleteRole(c, "b", "reader", true), domain.ErrNotFound)
		isErr(t, errOf(s.DeleteScope(c, "b", "orders:read", true)), domain.ErrNotFound)
		isErr(t, s.DeleteApplication(c, "b", "app-a"), domain.ErrNotFound)
	})
	t.Run("wrong tenant cannot rotate or revoke", func(t *testing.T) {
		_, err := s.RotateRefreshToken(c, "b", hash("rt-a"), next("stolen", now.Add(time.Hour)), now)
		isErr(t, err, domain.ErrNotFound)
		isErr(t, s.RevokeRefreshFamily(c, "b", "fam1", now.Add(time.Hour)), domain.ErrNotFound)
		// Rotating a key in b must not retire a's key.
		ok(t, s.RotateSigningKey(c, "b", sampleKey("kb", base), now.Add(time.Hour)))
	})
	t.Run("owner's records unchanged", func(t *testing.T) {
		assertTenantIntact(t, s, "a", now)
	})
	t.Run("same ids in both tenants are independent", func(t *testing.T) {
		ok(t, s.DeleteTenant(c, "b"))
		fillTenant(t, s, "b")
		u := sampleUser("john")
		u.DisplayName = "changed in b"
		ok(t, errOf(s.UpdateUser(c, "b", "john", replaceWith(u))))
		ok(t, s.SetPasswordHash(c, "b", "john", "$argon2id$old", "$argon2id$b"))
		defineScopes(t, s, "b", "x")
		ok(t, errOf(s.UpdateRole(c, "b", "reader", replaceWith(&domain.Role{Scopes: []string{"x"}}))))
		ok(t, errOf(s.DeleteScope(c, "b", "orders:read", false)))
		ok(t, s.DeleteApplication(c, "b", "app-b"))
		ok(t, s.RevokeRefreshFamily(c, "b", "fam1", now.Add(time.Hour)))
		ok(t, s.RotateSigningKey(c, "b", sampleKey("k2", base.Add(time.Second)), base))
		assertTenantIntact(t, s, "a", now)
		got, err := s.GetUser(c, "b", "john")
		ok(t, err)
		eq(t, "b's user", got.DisplayName, "changed in b")
	})
}

// assertTenantIntact checks the records fillTenant wrote are all unchanged.
func assertTenantIntact(t *testing.T, s store.Store, tenant string, now time.Time) {
	t.Helper()
	c := ctx(t)
	u, err := s.GetUser(c, tenant, "john")
	ok(t, err)
	eq(t, "user display name", u.DisplayName, tenant)
	eq(t, "user hash", u.PasswordHash, "$argon2id$old")
	r, err := s.GetRole(c, tenant, "reader")
	ok(t, err)
	eqList(t, "role scopes", r.Scopes, []string{"orders:read", "tenant:" + tenant})
	sc, err := s.GetScope(c, tenant, "orders:read")
	ok(t, err)
	eq(t, "scope description", sc.Description, tenant)
	a, err := s.GetApplication(c, tenant, "app-"+tenant)
	ok(t, err)
	eq(t, "app name", a.Name, tenant)
	rt, err := s.GetRefreshToken(c, tenant, hash("rt-"+tenant), now)
	ok(t, err)
	eq(t, "refresh family", rt.FamilyID, "fam1")
	eqList(t, "keys", keyIDs(t, s, tenant, now), []string{"k1"})
}
