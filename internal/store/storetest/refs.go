package storetest

import (
	"errors"
	"fmt"
	"slices"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// testReferences pins that users' roles and roles', applications' and
// APIs' scopes name what the tenant defines: writes of unknown names are
// refused in the store, deleting a name in use is refused with the counts
// unless forced, and a concurrent assign and delete never leave a
// dangling name.
func testReferences(t *testing.T, s store.Store) {
	newTenant(t, s, "acme")
	newTenant(t, s, "other")
	defineSamples(t, s, "acme")
	defineScopes(t, s, "other", "other:only")
	defineRoles(t, s, "other", "other-role")
	t.Run("unknown names are refused", func(t *testing.T) { testUnknownNames(t, s) })
	t.Run("delete in use", func(t *testing.T) { testDeleteInUse(t, s) })
	t.Run("forced delete", func(t *testing.T) { testForcedDelete(t, s) })
	t.Run("concurrent assign and delete", func(t *testing.T) { testAssignDeleteRace(t, s) })
}

// invalidOn fails unless err is an InvalidError on field naming name.
func invalidOn(t *testing.T, err error, field, name string) {
	t.Helper()
	var ie *domain.InvalidError
	if !errors.As(err, &ie) || ie.Field != field || !slices.Contains([]string{
		fmt.Sprintf("unknown role %q", name), fmt.Sprintf("unknown scope %q", name)}, ie.Reason) {
		t.Fatalf("got %v, want invalid %s naming %q", err, field, name)
	}
}

func testUnknownNames(t *testing.T, s store.Store) {
	c := ctx(t)
	user := func(id string, roles ...string) *domain.User {
		u := sampleUser(id)
		u.Roles = roles
		return u
	}
	app := func(id string, scopes, defaults []string) *domain.Application {
		a := sampleApp(id)
		a.Scopes, a.DefaultScopes = scopes, defaults
		return a
	}
	api := func(id, scope string) *domain.API {
		a := sampleAPI(id, "/"+id)
		a.Resources[0].Scopes = []string{scope}
		return a
	}
	ok(t, s.CreateUser(c, "acme", user("known", "reader")))
	ok(t, s.CreateApplication(c, "acme", app("known-app", []string{"a"}, nil)))
	ok(t, s.CreateAPI(c, "acme", api("known-api", "a")))
	for _, tc := range []struct {
		name, field, unknown string
		write                func() error
	}{
		{"user created with an unknown role", "roles", "ghost",
			func() error { return s.CreateUser(c, "acme", user("u1", "reader", "ghost")) }},
		{"user created with another tenant's role", "roles", "other-role",
			func() error { return s.CreateUser(c, "acme", user("u2", "other-role")) }},
		{"user updated to an unknown role", "roles", "ghost",
			func() error { return errOf(s.UpdateUser(c, "acme", "known", replaceWith(user("known", "ghost")))) }},
		{"import naming an unknown role", "roles", "ghost", func() error {
			return errOf(s.UpsertUsers(c, "acme", []string{"u3", "known"}, func(i int, _ *domain.User) *domain.User {
				return user("", []string{"reader", "ghost"}[i])
			}))
		}},
		{"role created with an unknown scope", "scopes", "ghost",
			func() error { return s.CreateRole(c, "acme", &domain.Role{ID: "r1", Scopes: []string{"a", "ghost"}}) }},
		{"role created with another tenant's scope", "scopes", "other:only",
			func() error { return s.CreateRole(c, "acme", &domain.Role{ID: "r2", Scopes: []string{"other:only"}}) }},
		{"role updated to an unknown scope", "scopes", "ghost", func() error {
			return errOf(s.UpdateRole(c, "acme", "reader", replaceWith(&domain.Role{Scopes: []string{"ghost"}})))
		}},
		{"application created with an unknown scope", "scopes", "ghost",
			func() error { return s.CreateApplication(c, "acme", app("app1", []string{"ghost"}, nil)) }},
		{"application created with an unknown default scope", "defaultScopes", "ghost",
			func() error { return s.CreateApplication(c, "acme", app("app2", []string{"a"}, []string{"ghost"})) }},
		{"application updated to an unknown scope", "scopes", "ghost", func() error {
			return errOf(s.UpdateApplication(c, "acme", "known-app", replaceWith(app("known-app", []string{"ghost"}, nil))))
		}},
		{"API created with an unknown resource scope", "resources", "ghost",
			func() error { return s.CreateAPI(c, "acme", api("api1", "ghost")) }},
		{"API updated to an unknown resource scope", "resources", "ghost", func() error {
			return errOf(s.UpdateAPI(c, "acme", "known-api", replaceWith(api("known-api", "ghost"))))
		}},
	} {
		t.Run(tc.name, func(t *testing.T) { invalidOn(t, tc.write(), tc.field, tc.unknown) })
	}
	t.Run("nothing of a refused write is stored", func(t *testing.T) {
		for _, id := range []string{"u1", "u2", "u3"} {
			_, err := s.GetUser(c, "acme", id)
			isErr(t, err, domain.ErrNotFound)
		}
		u, err := s.GetUser(c, "acme", "known")
		ok(t, err)
		eqList(t, "roles of known", u.Roles, []string{"reader"})
		r, err := s.GetRole(c, "acme", "reader")
		ok(t, err)
		eq(t, "scopes of reader", len(r.Scopes), 0)
		a, err := s.GetApplication(c, "acme", "known-app")
		ok(t, err)
		eqList(t, "scopes of known-app", a.Scopes, []string{"a"})
		for _, id := range []string{"r1", "r2"} {
			_, err := s.GetRole(c, "acme", id)
			isErr(t, err, domain.ErrNotFound)
		}
		for _, id := range []string{"app1", "app2"} {
			_, err := s.GetApplication(c, "acme", id)
			isErr(t, err, domain.ErrNotFound)
		}
		_, err = s.GetAPI(c, "acme", "api1")
		isErr(t, err, domain.ErrNotFound)
	})
	ok(t, s.DeleteUser(c, "acme", "known"))
	ok(t, s.DeleteApplication(c, "acme", "known-app"))
	ok(t, s.DeleteAPI(c, "acme", "known-api"))
}

// inUse fails unless err is an InUseError (so ErrConflict) with uses.
func inUse(t *testing.T, err error, kind, id string, uses domain.Uses) {
	t.Helper()
	isErr(t, err, domain.ErrConflict)
	var iu *domain.InUseError
	if !errors.As(err, &iu) || iu.Kind != kind || iu.ID != id || iu.Uses != uses {
		t.Fatalf("got %v, want %s %q in use by %s", err, kind, id, uses)
	}
}

// useEverything makes role "held" (holding scope "used") the role of two
// users, and scope "used" a scope of two roles, an application (as its
// default scope too) and, when api, an API resource.
func useEverything(t *testing.T, s store.Store, api bool) {
	t.Helper()
	c := ctx(t)
	defineScopes(t, s, "acme", "used")
	ok(t, s.CreateRole(c, "acme", &domain.Role{ID: "held", Scopes: []string{"a", "used", "b"}}))
	ok(t, s.CreateRole(c, "acme", &domain.Role{ID: "also", Scopes: []string{"used"}}))
	for _, id := range []string{"ann", "bob"} {
		u := sampleUser(id)
		u.Roles = []string{"reader", "held", "also"}
		ok(t, s.CreateUser(c, "acme", u))
	}
	a := sampleApp("uses-app")
	a.Scopes, a.DefaultScopes = []string{"used", "a"}, []string{"used"}
	ok(t, s.CreateApplication(c, "acme", a))
	if api {
		x := sampleAPI("uses-api", "/uses")
		x.Resources[0].Scopes = []string{"a", "used"}
		ok(t, s.CreateAPI(c, "acme", x))
	}
}

func testDeleteInUse(t *testing.T, s store.Store) {
	c := ctx(t)
	useEverything(t, s, true)
	for _, force := range []bool{false, true} {
		t.Run(fmt.Sprintf("scope named by an API, force %v", force), func(t *testing.T) {
			_, err := s.DeleteScope(c, "acme", "used", force)
			inUse(t, err, "scope", "used", domain.Uses{Roles: 2, Applications: 1, APIs: 1})
		})
	}
	t.Run("role held by users", func(t *testing.T) {
		inUse(t, s.DeleteRole(c, "acme", "held", false), "role", "held", domain.Uses{Users: 2})
	})
	t.Run("nothing changed", func(t *testing.T) {
		_, err := s.GetScope(c, "acme", "used")
		ok(t, err)
		r, err := s.GetRole(c, "acme", "held")
		ok(t, err)
		eqList(t, "scopes of held", r.Scopes, []string{"a", "used", "b"})
		u, err := s.GetUser(c, "acme", "ann")
		ok(t, err)
		eqList(t, "roles of ann", u.Roles, []string{"reader", "held", "also"})
	})
	t.Run("unknown → ErrNotFound", func(t *testing.T) {
		isErr(t, s.DeleteRole(c, "acme", "ghost", true), domain.ErrNotFound)
		isErr(t, errOf(s.DeleteScope(c, "acme", "ghost", true)), domain.ErrNotFound)
	})
	ok(t, s.DeleteAPI(c, "acme", "uses-api"))
	t.Run("scope named by roles and an application", func(t *testing.T) {
		_, err := s.DeleteScope(c, "acme", "used", false)
		inUse(t, err, "scope", "used", domain.Uses{Roles: 2, Applications: 1})
	})
	for _, id := range []string{"ann", "bob"} {
		ok(t, s.DeleteUser(c, "acme", id))
	}
	ok(t, s.DeleteApplication(c, "acme", "uses-app"))
	for _, id := range []string{"held", "also"} {
		ok(t, s.DeleteRole(c, "acme", id, false))
	}
	t.Run("unused → deleted without force", func(t *testing.T) {
		apps, err := s.DeleteScope(c, "acme", "used", false)
		ok(t, err)
		eq(t, "changed applications", len(apps), 0)
	})
}

func testForcedDelete(t *testing.T, s store.Store) {
	c := ctx(t)
	useEverything(t, s, false)
	before, err := s.GetUser(c, "acme", "ann")
	ok(t, err)
	t.Run("scope leaves roles and applications", func(t *testing.T) {
		apps, err := s.DeleteScope(c, "acme", "used", true)
		ok(t, err)
		eqList(t, "changed applications", apps, []string{"uses-app"})
		_, err = s.GetScope(c, "acme", "used")
		isErr(t, err, domain.ErrNotFound)
		for id, want := range map[string][]string{"held": {"a", "b"}, "also": {}} {
			r, err := s.GetRole(c, "acme", id)
			ok(t, err)
			eqList(t, "scopes of "+id+", in order", r.Scopes, want)
		}
		a, err := s.GetApplication(c, "acme", "uses-app")
		ok(t, err)
		eqList(t, "application scopes", a.Scopes, []string{"a"})
		eqList(t, "application default scopes", a.DefaultScopes, []string{})
		if a.UpdatedAt.Equal(base) {
			t.Fatal("application's updatedAt kept")
		}
	})
	t.Run("role leaves users", func(t *testing.T) {
		ok(t, s.DeleteRole(c, "acme", "held", true))
		_, err := s.GetRole(c, "acme", "held")
		isErr(t, err, domain.ErrNotFound)
		for _, id := range []string{"ann", "bob"} {
			u, held, err := s.GetUserWithScopes(c, "acme", id)
			ok(t, err)
			eqList(t, "roles of "+id+", in order", u.Roles, []string{"reader", "also"})
			eq(t, "scopes of "+id, len(held), 0)
			if u.UpdatedAt.Equal(before.UpdatedAt) {
				t.Fatalf("%s's updatedAt kept", id)
			}
		}
	})
	t.Run("unused, forced", func(t *testing.T) {
		ok(t, s.DeleteRole(c, "acme", "also", true))
		u, err := s.GetUser(c, "acme", "ann")
		ok(t, err)
		eqList(t, "roles of ann", u.Roles, []string{"reader"})
	})
	for _, id := range []string{"ann", "bob"} {
		ok(t, s.DeleteUser(c, "acme", id))
	}
	ok(t, s.DeleteApplication(c, "acme", "uses-app"))
}

// testAssignDeleteRace races writes that name a role or scope against
// deletes of it: whichever wins, no record names it once it is gone.
func testAssignDeleteRace(t *testing.T, s store.Store) {
	c := ctx(t)
	for i := range workers {
		ok(t, s.CreateUser(c, "acme", sampleUser(fmt.Sprint("w", i))))
		ok(t, s.CreateRole(c, "acme", &domain.Role{ID: fmt.Sprint("w", i)}))
	}
	for round := range 10 {
		role, scope := fmt.Sprint("race-role-", round), fmt.Sprint("race-scope-", round)
		defineRoles(t, s, "acme", role)
		defineScopes(t, s, "acme", scope)
		errs := race(func(i int) error {
			id := fmt.Sprint("w", i)
			switch i % 4 {
			case 0: // assign the role to a user
				return errOf(s.UpdateUser(c, "acme", id, func(u *domain.User) error {
					u.Roles = append(u.Roles, role)
					return nil
				}))
			case 1:
				return s.DeleteRole(c, "acme", role, false)
			case 2: // import the user with the role, and give a role the scope
				_, err := s.UpsertUsers(c, "acme", []string{id}, func(_ int, u *domain.User) *domain.User {
					u.Roles = append(slices.Clone(u.Roles), role)
					return u
				})
				return errors.Join(err, errOf(s.UpdateRole(c, "acme", id, func(r *domain.Role) error {
					r.Scopes = append(r.Scopes, scope)
					return nil
				})))
			default:
				return errOf(s.DeleteScope(c, "acme", scope, false))
			}
		})
		for i, err := range errs {
			var ie *domain.InvalidError
			if err != nil && !errors.Is(err, domain.ErrConflict) && !errors.Is(err, domain.ErrNotFound) && !errors.As(err, &ie) {
				t.Fatalf("round %d, worker %d: %v", round, i, err)
			}
		}
		assertNoDangling(t, s, round)
	}
}

// assertNoDangling fails when a user names a role or a role a scope that
// the tenant lacks.
func assertNoDangling(t *testing.T, s store.Store, round int) {
	t.Helper()
	c := ctx(t)
	roles, err := s.ListRoles(c, "acme", domain.Page{Limit: 1000})
	ok(t, err)
	scopes, err := s.ListScopes(c, "acme", domain.Page{Limit: 1000})
	ok(t, err)
	roleIDs := ids(roles, func(r domain.Role) string { return r.ID })
	scopeIDs := ids(scopes, func(x domain.Scope) string { return x.ID })
	for _, r := range roles {
		for _, sc := range r.Scopes {
			if !slices.Contains(scopeIDs, sc) {
				t.Fatalf("round %d: role %s names the deleted scope %s", round, r.ID, sc)
			}
		}
	}
	users, err := s.ListUsers(c, "acme", domain.Page{Limit: 1000})
	ok(t, err)
	for _, u := range users {
		for _, r := range u.Roles {
			if !slices.Contains(roleIDs, r) {
				t.Fatalf("round %d: user %s holds the deleted role %s", round, u.ID, r)
			}
		}
	}
}
