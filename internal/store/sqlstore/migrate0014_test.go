package sqlstore

import (
	"database/sql"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// TestMigration0014 upgrades a database as release 0013 left it, with
// role and scope names that dangle: users, roles and applications lose
// the names of what no longer exists, a scope an API requires is created
// again (the API stays closed), the references that hold are carried over
// as they were, and every repair is recorded.
func TestMigration0014(t *testing.T) {
	forEachUnmigrated(t, func(t *testing.T, s *Store) {
		c := t.Context()
		exec := migratedTo(t, s, 13)
		now := time.Date(2030, 1, 2, 3, 0, 0, 0, time.UTC)
		for _, tenant := range []string{"acme", "beta"} {
			exec(`INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)`, tenant, tenant, s.d.ts(now))
			exec(`INSERT INTO scopes (tenant, id, description) VALUES (?, 'a', 'kept')`, tenant)
		}
		exec(`INSERT INTO roles (tenant, id, scopes) VALUES ('acme', 'reader', '["gone:scope","a","api:gone"]')`)
		exec(`INSERT INTO roles (tenant, id, scopes) VALUES ('beta', 'reader', '["a"]')`)
		for _, u := range [][2]string{
			{"ann", `["gone-role","reader"]`}, // loses gone-role
			{"bob", `["reader"]`},             // intact
			{"cid", `[]`},
		} {
			exec(`INSERT INTO users (tenant, id, email, display_name, password_hash, roles, source, disabled, created_at, updated_at)
				VALUES ('acme', ?, '', '', '', ?, 'local', FALSE, ?, ?)`, u[0], u[1], s.d.ts(now), s.d.ts(now))
		}
		// A role of beta is not a role of acme.
		exec(`INSERT INTO users (tenant, id, email, display_name, password_hash, roles, source, disabled, created_at, updated_at)
			VALUES ('beta', 'dan', '', '', '', '["reader","beta-only"]', 'local', FALSE, ?, ?)`, s.d.ts(now), s.d.ts(now))
		exec(`INSERT INTO applications (tenant, id, name, secret_hash, grant_types, scopes, default_scopes,
				access_token_ttl_ns, refresh_token_ttl_ns, created_at, updated_at)
			VALUES ('acme', 'app1', 'App', ?, '["password"]', '["a","gone:scope","api:gone"]', '["gone:scope"]', 1, 1, ?, ?)`,
			[]byte{1}, s.d.ts(now), s.d.ts(now))
		exec(`INSERT INTO apis (tenant, id, context, upstream, resources, created_at, updated_at)
			VALUES ('acme', 'orders', '/orders', 'http://127.0.0.1:9000',
				'[{"method":"GET","path":"/items","scopes":["a","api:gone"]},{"method":"GET","path":"/health","scopes":null,"public":true}]', ?, ?)`,
			s.d.ts(now), s.d.ts(now))

		if err := s.migrate(c); err != nil {
			t.Fatal(err)
		}

		lists := map[string][]string{}
		for _, u := range []struct{ tenant, id string }{{"acme", "ann"}, {"acme", "bob"}, {"acme", "cid"}, {"beta", "dan"}} {
			got, err := s.GetUser(c, u.tenant, u.id)
			if err != nil {
				t.Fatal(err)
			}
			lists["user "+u.tenant+"/"+u.id] = got.Roles
		}
		r, err := s.GetRole(c, "acme", "reader")
		if err != nil {
			t.Fatal(err)
		}
		lists["role acme/reader"] = r.Scopes
		a, err := s.GetApplication(c, "acme", "app1")
		if err != nil {
			t.Fatal(err)
		}
		lists["application scopes"], lists["application default scopes"] = a.Scopes, a.DefaultScopes
		api, err := s.GetAPI(c, "acme", "orders")
		if err != nil {
			t.Fatal(err)
		}
		lists["api resource"] = api.Resources[0].Scopes
		for what, want := range map[string][]string{
			"user acme/ann":              {"reader"},
			"user acme/bob":              {"reader"},
			"user acme/cid":              {},
			"user beta/dan":              {"reader"},
			"role acme/reader":           {"a", "api:gone"},
			"application scopes":         {"a", "api:gone"},
			"application default scopes": {},
			"api resource":               {"a", "api:gone"},
		} {
			if !slices.Equal(lists[what], want) {
				t.Errorf("%s = %q, want %q", what, lists[what], want)
			}
		}
		if sc, err := s.GetScope(c, "acme", "api:gone"); err != nil || !strings.Contains(sc.Description, `"orders"`) {
			t.Errorf("recreated scope = %+v, %v; want one naming the API", sc, err)
		}
		if !a.UpdatedAt.Equal(now) {
			t.Errorf("application updatedAt = %v; a repair is no admin's change", a.UpdatedAt)
		}

		got, err := queryAll(c, s.reader(c), func(rows *sql.Rows, r *string) error {
			var tenant, holder, id, name, action string
			err := rows.Scan(&tenant, &holder, &id, &name, &action)
			*r = strings.Join([]string{tenant, holder, id, name, action}, " ")
			return err
		}, `SELECT tenant, holder, holder_id, name, action FROM reference_repairs ORDER BY tenant, holder, holder_id, name`)
		if err != nil {
			t.Fatal(err)
		}
		want := []string{
			"acme api orders api:gone scope recreated",
			"acme application app1 gone:scope dropped",
			"acme role reader gone:scope dropped",
			"acme user ann gone-role dropped",
			"beta user dan beta-only dropped",
		}
		if !slices.Equal(got, want) {
			t.Errorf("reference_repairs:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
		}

		// From now on the store itself refuses what the migration repaired.
		err = s.CreateUser(c, "acme", &domain.User{ID: "eve", Roles: []string{"gone-role"}, Source: domain.SourceLocal})
		if !domain.IsInvalid(err) {
			t.Errorf("user with a deleted role after the upgrade: %v, want invalid", err)
		}
	})
}
