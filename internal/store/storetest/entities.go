package storetest

import (
	"context"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

func testTenants(t *testing.T, s store.Store) {
	t.Run("create then get", func(t *testing.T) {
		newTenant(t, s, "acme")
		got, err := s.GetTenant(ctx(t), "acme")
		ok(t, err)
		eq(t, "name", got.Name, "Tenant acme")
		eqTime(t, "created", got.CreatedAt, base)
		eq(t, "API-token cap by default", got.APITokenMaxTTL, time.Duration(0))
	})
	t.Run("builtin admin scope and role", func(t *testing.T) {
		sc, err := s.GetScope(ctx(t), "acme", domain.AdminScope)
		ok(t, err)
		eq(t, "description", sc.Description, "Administer this tenant")
		r, err := s.GetRole(ctx(t), "acme", domain.AdminRole)
		ok(t, err)
		eqList(t, "admin role scopes", r.Scopes, []string{domain.AdminScope})
	})
	t.Run("duplicate id → ErrConflict", func(t *testing.T) {
		isErr(t, s.CreateTenant(ctx(t), &domain.Tenant{ID: "acme", Name: "again"}), domain.ErrConflict)
		got, err := s.GetTenant(ctx(t), "acme")
		ok(t, err)
		eq(t, "name after failed create", got.Name, "Tenant acme")
	})
	t.Run("get missing → ErrNotFound", func(t *testing.T) {
		_, err := s.GetTenant(ctx(t), "nope")
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("update", func(t *testing.T) {
		ok(t, errOf(s.UpdateTenant(ctx(t), "acme", replaceWith(&domain.Tenant{Name: "Acme Inc"}))))
		got, err := s.GetTenant(ctx(t), "acme")
		ok(t, err)
		eq(t, "name", got.Name, "Acme Inc")
	})
	t.Run("update missing → ErrNotFound", func(t *testing.T) {
		isErr(t, errOf(s.UpdateTenant(ctx(t), "nope", replaceWith(&domain.Tenant{Name: "x"}))), domain.ErrNotFound)
	})
	t.Run("delete missing → ErrNotFound", func(t *testing.T) {
		isErr(t, s.DeleteTenant(ctx(t), "nope"), domain.ErrNotFound)
	})
	t.Run("paging", func(t *testing.T) {
		testPaging(t, "p", 7, []string{"acme"},
			func(id string) error { return s.CreateTenant(ctx(t), &domain.Tenant{ID: id, Name: id}) },
			func(p domain.Page) ([]string, error) {
				l, err := s.ListTenants(ctx(t), p)
				return ids(l, func(x domain.Tenant) string { return x.ID }), err
			})
	})
	t.Run("records in unknown tenant → ErrNotFound", func(t *testing.T) {
		isErr(t, s.CreateScope(ctx(t), "ghost", &domain.Scope{ID: "a"}), domain.ErrNotFound)
		isErr(t, s.CreateUser(ctx(t), "ghost", &domain.User{ID: "a"}), domain.ErrNotFound)
	})
	t.Run("API-token cap round-trips", func(t *testing.T) {
		c, days90 := ctx(t), 90*24*time.Hour
		ok(t, s.CreateTenant(c, &domain.Tenant{ID: "capped", Name: "Capped", APITokenMaxTTL: days90, CreatedAt: base}))
		got, err := s.GetTenant(c, "capped")
		ok(t, err)
		eq(t, "cap after create", got.APITokenMaxTTL, days90)
		ok(t, errOf(s.UpdateTenant(c, "capped", replaceWith(&domain.Tenant{Name: "Renamed", APITokenMaxTTL: time.Hour}))))
		got, err = s.GetTenant(c, "capped")
		ok(t, err)
		eq(t, "cap after update", got.APITokenMaxTTL, time.Hour)
		eq(t, "name after update", got.Name, "Renamed")
		l, err := s.ListTenants(c, domain.Page{})
		ok(t, err)
		caps := map[string]time.Duration{}
		for _, x := range l {
			caps[x.ID] = x.APITokenMaxTTL
		}
		eq(t, "listed cap", caps["capped"], time.Hour)
		eq(t, "other tenant's cap", caps["acme"], time.Duration(0))
		ok(t, errOf(s.UpdateTenant(c, "capped", replaceWith(&domain.Tenant{Name: "Renamed"}))))
		got, err = s.GetTenant(c, "capped")
		ok(t, err)
		eq(t, "cap removed", got.APITokenMaxTTL, time.Duration(0))
	})
}

func testScopes(t *testing.T, s store.Store) {
	newTenant(t, s, "acme")
	t.Run("create then get", func(t *testing.T) {
		ok(t, s.CreateScope(ctx(t), "acme", &domain.Scope{ID: "orders:read", Description: "Read orders"}))
		got, err := s.GetScope(ctx(t), "acme", "orders:read")
		ok(t, err)
		eq(t, "tenant", got.Tenant, "acme")
		eq(t, "description", got.Description, "Read orders")
	})
	t.Run("duplicate id → ErrConflict", func(t *testing.T) {
		isErr(t, s.CreateScope(ctx(t), "acme", &domain.Scope{ID: "orders:read"}), domain.ErrConflict)
	})
	t.Run("update", func(t *testing.T) {
		ok(t, errOf(s.UpdateScope(ctx(t), "acme", "orders:read", replaceWith(&domain.Scope{Description: "changed"}))))
		got, err := s.GetScope(ctx(t), "acme", "orders:read")
		ok(t, err)
		eq(t, "description", got.Description, "changed")
	})
	t.Run("update missing → ErrNotFound", func(t *testing.T) {
		isErr(t, errOf(s.UpdateScope(ctx(t), "acme", "nope", replaceWith(&domain.Scope{}))), domain.ErrNotFound)
	})
	t.Run("paging", func(t *testing.T) {
		testPaging(t, "s", 5, []string{"orders:read", domain.AdminScope},
			func(id string) error { return s.CreateScope(ctx(t), "acme", &domain.Scope{ID: id}) },
			func(p domain.Page) ([]string, error) {
				l, err := s.ListScopes(ctx(t), "acme", p)
				return ids(l, func(x domain.Scope) string { return x.ID }), err
			})
	})
	t.Run("delete", func(t *testing.T) {
		ok(t, errOf(s.DeleteScope(ctx(t), "acme", "orders:read", false)))
		_, err := s.GetScope(ctx(t), "acme", "orders:read")
		isErr(t, err, domain.ErrNotFound)
		isErr(t, errOf(s.DeleteScope(ctx(t), "acme", "orders:read", false)), domain.ErrNotFound)
	})
}

func testRoles(t *testing.T, s store.Store) {
	newTenant(t, s, "acme")
	defineScopes(t, s, "acme", "a", "b", "c", "d")
	t.Run("create then get", func(t *testing.T) {
		ok(t, s.CreateRole(ctx(t), "acme", &domain.Role{ID: "reader", Scopes: []string{"a", "b"}}))
		ok(t, s.CreateRole(ctx(t), "acme", &domain.Role{ID: "empty"}))
		got, err := s.GetRole(ctx(t), "acme", "reader")
		ok(t, err)
		eqList(t, "scopes", got.Scopes, []string{"a", "b"})
		got, err = s.GetRole(ctx(t), "acme", "empty")
		ok(t, err)
		if got.Scopes == nil || len(got.Scopes) != 0 {
			t.Fatalf("empty role scopes = %#v, want empty non-nil", got.Scopes)
		}
	})
	t.Run("duplicate id → ErrConflict", func(t *testing.T) {
		isErr(t, s.CreateRole(ctx(t), "acme", &domain.Role{ID: "reader"}), domain.ErrConflict)
	})
	t.Run("update", func(t *testing.T) {
		ok(t, errOf(s.UpdateRole(ctx(t), "acme", "reader", replaceWith(&domain.Role{Scopes: []string{"b", "c"}}))))
		got, err := s.GetRole(ctx(t), "acme", "reader")
		ok(t, err)
		eqList(t, "scopes", got.Scopes, []string{"b", "c"})
	})
	t.Run("update missing → ErrNotFound", func(t *testing.T) {
		isErr(t, errOf(s.UpdateRole(ctx(t), "acme", "nope", replaceWith(&domain.Role{}))), domain.ErrNotFound)
	})
	t.Run("role scopes union", func(t *testing.T) {
		ok(t, s.CreateRole(ctx(t), "acme", &domain.Role{ID: "writer", Scopes: []string{"c", "d"}}))
		got, err := s.RoleScopes(ctx(t), "acme", []string{"reader", "writer", "unknown"})
		ok(t, err)
		eqList(t, "union", got, []string{"b", "c", "d"})
		got, err = s.RoleScopes(ctx(t), "acme", nil)
		ok(t, err)
		eq(t, "no roles", len(got), 0)
	})
	t.Run("user with scopes", func(t *testing.T) {
		u := sampleUser("rolly")
		u.Roles = []string{"writer", "reader"}
		ok(t, s.CreateUser(ctx(t), "acme", u))
		got, held, err := s.GetUserWithScopes(ctx(t), "acme", "rolly")
		ok(t, err)
		eq(t, "id", got.ID, "rolly")
		eqList(t, "roles", got.Roles, []string{"writer", "reader"})
		eqList(t, "scopes", held, []string{"b", "c", "d"})
		u = sampleUser("roleless")
		u.Roles = nil
		ok(t, s.CreateUser(ctx(t), "acme", u))
		_, held, err = s.GetUserWithScopes(ctx(t), "acme", "roleless")
		ok(t, err)
		if held == nil || len(held) != 0 {
			t.Fatalf("scopes of a user without roles = %#v, want empty non-nil", held)
		}
		_, _, err = s.GetUserWithScopes(ctx(t), "acme", "nobody")
		isErr(t, err, domain.ErrNotFound)
		ok(t, s.DeleteUser(ctx(t), "acme", "rolly"))
		ok(t, s.DeleteUser(ctx(t), "acme", "roleless"))
	})
	t.Run("paging", func(t *testing.T) {
		testPaging(t, "r", 4, []string{domain.AdminRole, "empty", "reader", "writer"},
			func(id string) error { return s.CreateRole(ctx(t), "acme", &domain.Role{ID: id}) },
			func(p domain.Page) ([]string, error) {
				l, err := s.ListRoles(ctx(t), "acme", p)
				return ids(l, func(x domain.Role) string { return x.ID }), err
			})
	})
	t.Run("delete", func(t *testing.T) {
		ok(t, s.DeleteRole(ctx(t), "acme", "writer", false))
		isErr(t, s.DeleteRole(ctx(t), "acme", "writer", false), domain.ErrNotFound)
		got, err := s.RoleScopes(ctx(t), "acme", []string{"writer"})
		ok(t, err)
		eq(t, "scopes of deleted role", len(got), 0)
	})
}

func sampleUser(id string) *domain.User {
	return &domain.User{ID: id, Email: id + "@example.com", DisplayName: "User " + id,
		PasswordHash: "$argon2id$old", Roles: []string{"reader"}, Source: domain.SourceLocal,
		CreatedAt: base, UpdatedAt: base}
}

func testUsers(t *testing.T, s store.Store) {
	newTenant(t, s, "acme")
	defineRoles(t, s, "acme", "reader", "a", "b")
	t.Run("create then get", func(t *testing.T) {
		ok(t, s.CreateUser(ctx(t), "acme", sampleUser("john.doe")))
		got, err := s.GetUser(ctx(t), "acme", "john.doe")
		ok(t, err)
		eq(t, "tenant", got.Tenant, "acme")
		eq(t, "email", got.Email, "john.doe@example.com")
		eq(t, "display name", got.DisplayName, "User john.doe")
		eq(t, "hash", got.PasswordHash, "$argon2id$old")
		eqList(t, "roles", got.Roles, []string{"reader"})
		eq(t, "source", got.Source, domain.SourceLocal)
		eq(t, "disabled", got.Disabled, false)
		eqTime(t, "created", got.CreatedAt, base)
	})
	t.Run("duplicate id → ErrConflict", func(t *testing.T) {
		isErr(t, s.CreateUser(ctx(t), "acme", sampleUser("john.doe")), domain.ErrConflict)
	})
	t.Run("get missing → ErrNotFound", func(t *testing.T) {
		_, err := s.GetUser(ctx(t), "acme", "nobody")
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("update", func(t *testing.T) {
		u := sampleUser("john.doe")
		u.Email, u.Disabled, u.Roles = "new@example.com", true, []string{"a", "b"}
		ok(t, errOf(s.UpdateUser(ctx(t), "acme", "john.doe", replaceWith(u))))
		got, err := s.GetUser(ctx(t), "acme", "john.doe")
		ok(t, err)
		eq(t, "email", got.Email, "new@example.com")
		eq(t, "disabled", got.Disabled, true)
		eqList(t, "roles", got.Roles, []string{"a", "b"})
		eqTime(t, "created kept", got.CreatedAt, base)
		if got.UpdatedAt.Equal(base) || got.UpdatedAt.IsZero() {
			t.Fatalf("UpdatedAt not bumped: %v", got.UpdatedAt)
		}
	})
	t.Run("update missing → ErrNotFound", func(t *testing.T) {
		isErr(t, errOf(s.UpdateUser(ctx(t), "acme", "nobody", replaceWith(sampleUser("nobody")))), domain.ErrNotFound)
	})
	t.Run("set password hash compare-and-swap", func(t *testing.T) {
		ok(t, s.SetPasswordHash(ctx(t), "acme", "john.doe", "$argon2id$old", "$argon2id$new"))
		isErr(t, s.SetPasswordHash(ctx(t), "acme", "john.doe", "$argon2id$old", "$argon2id$other"), domain.ErrConflict)
		got, err := s.GetUser(ctx(t), "acme", "john.doe")
		ok(t, err)
		eq(t, "hash", got.PasswordHash, "$argon2id$new")
		isErr(t, s.SetPasswordHash(ctx(t), "acme", "nobody", "", "x"), domain.ErrNotFound)
	})
	t.Run("paging", func(t *testing.T) {
		testPaging(t, "u", 8, []string{"john.doe"},
			func(id string) error { return s.CreateUser(ctx(t), "acme", sampleUser(id)) },
			func(p domain.Page) ([]string, error) {
				l, err := s.ListUsers(ctx(t), "acme", p)
				return ids(l, func(x domain.User) string { return x.ID }), err
			})
	})
	t.Run("prefix search", func(t *testing.T) {
		for _, id := range []string{"jo", "joé", "jo\U0010FFFFx", "jp", "j"} {
			ok(t, s.CreateUser(ctx(t), "acme", sampleUser(id)))
		}
		list := func(p domain.Page) []string {
			l, err := s.ListUsers(ctx(t), "acme", p)
			ok(t, err)
			return ids(l, func(x domain.User) string { return x.ID })
		}
		eqList(t, "jo", list(domain.Page{Prefix: "jo"}), []string{"jo", "john.doe", "joé"})
		eqList(t, "jo after jo", list(domain.Page{Prefix: "jo", After: "jo", Limit: 1}), []string{"john.doe"})
		eqList(t, "jo after j", list(domain.Page{Prefix: "jo", After: "j"}), []string{"jo", "john.doe", "joé"})
		eqList(t, "jo after jp", list(domain.Page{Prefix: "jo", After: "jp"}), nil)
		eqList(t, "jé", list(domain.Page{Prefix: "jé"}), nil)
		for _, id := range []string{"jo", "joé", "jo\U0010FFFFx", "jp", "j"} {
			ok(t, s.DeleteUser(ctx(t), "acme", id))
		}
		tl, err := s.ListTenants(ctx(t), domain.Page{Prefix: "ac"})
		ok(t, err)
		eqList(t, "tenants ac", ids(tl, func(x domain.Tenant) string { return x.ID }), []string{"acme"})
		al, err := s.ListApplications(ctx(t), "acme", domain.Page{Prefix: "zz-none"})
		ok(t, err)
		eq(t, "apps", len(al), 0)
	})
	t.Run("page limit capped at 1000", func(t *testing.T) {
		l, err := s.ListUsers(ctx(t), "acme", domain.Page{Limit: 1_000_000})
		ok(t, err)
		eq(t, "rows", len(l), 9)
	})
	t.Run("delete", func(t *testing.T) {
		ok(t, s.DeleteUser(ctx(t), "acme", "john.doe"))
		_, err := s.GetUser(ctx(t), "acme", "john.doe")
		isErr(t, err, domain.ErrNotFound)
		isErr(t, s.DeleteUser(ctx(t), "acme", "john.doe"), domain.ErrNotFound)
	})
}

func sampleApp(id string) *domain.Application {
	return &domain.Application{ID: id, Name: "App " + id, SecretHash: []byte{1, 2, 3, 0, 255},
		GrantTypes: []string{domain.GrantPassword, domain.GrantRefreshToken}, Scopes: []string{"a", "b"},
		DefaultScopes: []string{"a"}, AccessTokenTTL: 90 * time.Second, RefreshTokenTTL: 48 * time.Hour,
		RefreshReuseGrace: 45 * time.Second, CreatedAt: base, UpdatedAt: base}
}

func testApplications(t *testing.T, s store.Store) {
	newTenant(t, s, "acme")
	defineScopes(t, s, "acme", "a", "b", "c")
	t.Run("create then get", func(t *testing.T) {
		ok(t, s.CreateApplication(ctx(t), "acme", sampleApp("app1")))
		got, err := s.GetApplication(ctx(t), "acme", "app1")
		ok(t, err)
		eq(t, "name", got.Name, "App app1")
		eq(t, "secret hash", string(got.SecretHash), string([]byte{1, 2, 3, 0, 255}))
		eqList(t, "grant types", got.GrantTypes, []string{domain.GrantPassword, domain.GrantRefreshToken})
		eqList(t, "scopes", got.Scopes, []string{"a", "b"})
		eqList(t, "default scopes", got.DefaultScopes, []string{"a"})
		eq(t, "access ttl", got.AccessTokenTTL, 90*time.Second)
		eq(t, "refresh ttl", got.RefreshTokenTTL, 48*time.Hour)
		eq(t, "refresh reuse grace", got.RefreshReuseGrace, 45*time.Second)
		eqTime(t, "created", got.CreatedAt, base)
	})
	t.Run("duplicate id → ErrConflict", func(t *testing.T) {
		isErr(t, s.CreateApplication(ctx(t), "acme", sampleApp("app1")), domain.ErrConflict)
	})
	t.Run("listed by owner", func(t *testing.T) {
		for _, id := range []string{"own-b", "own-a", "own-c"} {
			a := sampleApp(id)
			a.Owner = "ann"
			if id == "own-c" {
				a.Owner = "bob"
			}
			ok(t, s.CreateApplication(ctx(t), "acme", a))
			t.Cleanup(func() { _ = s.DeleteApplication(context.Background(), "acme", id) })
		}
		l, err := s.ListApplicationsOwnedBy(ctx(t), "acme", "ann", domain.Page{})
		ok(t, err)
		eqList(t, "ann's", ids(l, func(a domain.Application) string { return a.ID }), []string{"own-a", "own-b"})
		l, err = s.ListApplicationsOwnedBy(ctx(t), "acme", "ann", domain.Page{After: "own-a", Limit: 1})
		ok(t, err)
		eqList(t, "ann's after own-a", ids(l, func(a domain.Application) string { return a.ID }), []string{"own-b"})
		l, err = s.ListApplicationsOwnedBy(ctx(t), "beta", "ann", domain.Page{})
		ok(t, err)
		eq(t, "another tenant's", len(l), 0)
	})
	t.Run("client ids are unique across tenants", func(t *testing.T) {
		newTenant(t, s, "beta")
		isErr(t, s.CreateApplication(ctx(t), "beta", sampleApp("app1")), domain.ErrConflict)
		got, err := s.GetApplicationByClientID(ctx(t), "app1")
		ok(t, err)
		eq(t, "tenant", got.Tenant, "acme")
		eq(t, "name", got.Name, "App app1")
		_, err = s.GetApplicationByClientID(ctx(t), "nope")
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("update", func(t *testing.T) {
		a := sampleApp("app1")
		a.Name, a.SecretHash, a.Scopes = "Renamed", []byte("ignored"), []string{"c"}
		ok(t, errOf(s.UpdateApplication(ctx(t), "acme", "app1", replaceWith(a))))
		got, err := s.GetApplication(ctx(t), "acme", "app1")
		ok(t, err)
		eq(t, "name", got.Name, "Renamed")
		eq(t, "secret hash kept", string(got.SecretHash), string(sampleApp("app1").SecretHash))
		eqList(t, "scopes", got.Scopes, []string{"c"})
	})
	t.Run("set secret", func(t *testing.T) {
		got, err := s.SetApplicationSecret(ctx(t), "acme", "app1", []byte("rotated"))
		ok(t, err)
		eq(t, "returned hash", string(got.SecretHash), "rotated")
		eq(t, "returned name", got.Name, "Renamed")
		got, err = s.GetApplication(ctx(t), "acme", "app1")
		ok(t, err)
		eq(t, "secret hash", string(got.SecretHash), "rotated")
		_, err = s.SetApplicationSecret(ctx(t), "acme", "nope", []byte("x"))
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("update turns the refresh reuse grace off", func(t *testing.T) {
		a := sampleApp("app1")
		a.RefreshReuseGrace = 0
		ok(t, errOf(s.UpdateApplication(ctx(t), "acme", "app1", replaceWith(a))))
		got, err := s.GetApplication(ctx(t), "acme", "app1")
		ok(t, err)
		eq(t, "refresh reuse grace", got.RefreshReuseGrace, time.Duration(0))
	})
	t.Run("update missing → ErrNotFound", func(t *testing.T) {
		isErr(t, errOf(s.UpdateApplication(ctx(t), "acme", "nope", replaceWith(sampleApp("nope")))), domain.ErrNotFound)
	})
	t.Run("paging", func(t *testing.T) {
		testPaging(t, "c", 5, []string{"app1"},
			func(id string) error { return s.CreateApplication(ctx(t), "acme", sampleApp(id)) },
			func(p domain.Page) ([]string, error) {
				l, err := s.ListApplications(ctx(t), "acme", p)
				return ids(l, func(x domain.Application) string { return x.ID }), err
			})
	})
	t.Run("delete", func(t *testing.T) {
		ok(t, s.DeleteApplication(ctx(t), "acme", "app1"))
		_, err := s.GetApplication(ctx(t), "acme", "app1")
		isErr(t, err, domain.ErrNotFound)
		isErr(t, s.DeleteApplication(ctx(t), "acme", "app1"), domain.ErrNotFound)
	})
}

func testSettings(t *testing.T, s store.Store) {
	_, err := s.GetSetting(ctx(t), "bootstrap")
	isErr(t, err, domain.ErrNotFound)
	ok(t, s.PutSetting(ctx(t), "bootstrap", "v1"))
	ok(t, s.PutSetting(ctx(t), "bootstrap", "v2"))
	v, err := s.GetSetting(ctx(t), "bootstrap")
	ok(t, err)
	eq(t, "value after overwrite", v, "v2")
	ok(t, s.Ping(ctx(t)))
}
