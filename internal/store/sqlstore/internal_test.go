package sqlstore

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
)

func TestDeleteExpiredCrossesBatches(t *testing.T) {
	old := deleteBatch
	deleteBatch = 2
	t.Cleanup(func() { deleteBatch = old })
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	now := time.Now()
	if err := s.CreateTenant(t.Context(), &domain.Tenant{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	for i := range 6 {
		exp := now.Add(-time.Minute)
		if i == 5 {
			exp = now.Add(time.Minute)
		}
		rt := &domain.RefreshToken{Hash: fmt.Append(nil, i), FamilyID: "f", ExpiresAt: exp}
		if err := s.CreateRefreshToken(t.Context(), "acme", rt); err != nil {
			t.Fatal(err)
		}
	}
	n, err := s.DeleteExpired(t.Context(), now)
	if err != nil || n != 5 {
		t.Fatalf("DeleteExpired = %d, %v; want 5", n, err)
	}
	if _, err := s.GetRefreshToken(t.Context(), "acme", []byte("5"), now); err != nil {
		t.Fatalf("live token gone: %v", err)
	}
}

// sqlitePlan returns SQLite's EXPLAIN QUERY PLAN for q, one step a line.
func sqlitePlan(t *testing.T, s *Store, q string, args ...any) string {
	t.Helper()
	rows, err := s.r.QueryContext(t.Context(), "EXPLAIN QUERY PLAN "+q, args...)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var plan strings.Builder
	for rows.Next() {
		var id, parent, unused int
		var detail string
		if err := rows.Scan(&id, &parent, &unused, &detail); err != nil {
			t.Fatal(err)
		}
		plan.WriteString(detail + "\n")
	}
	return plan.String()
}

// TestRefreshLookupUsesIndex guards the plans the hot paths depend on at a
// million tokens: lookups by primary key, family revocation by index, and
// the purges by their partial or expiry index.
func TestRefreshLookupUsesIndex(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for q, want := range map[string]string{
		`SELECT family_id FROM refresh_tokens WHERE tenant = 'a' AND hash = x'00' AND rotated_at IS NULL`: "USING INDEX sqlite_autoindex_refresh_tokens_1 (tenant=? AND hash=?)",
		`UPDATE refresh_tokens SET revoked_at = 1 WHERE tenant = 'a' AND family_id = 'f'`:                 "USING INDEX refresh_tokens_family (family_id=? AND tenant=?)",
		`SELECT hash FROM refresh_tokens WHERE expires_at <= 5 LIMIT 10`:                                  "INDEX refresh_tokens_expires (expires_at<?)",
		strings.ReplaceAll(strings.ReplaceAll(eraseSealed, "<= ?", "<= 5"), "LIMIT ?", "LIMIT 10"):        "INDEX refresh_tokens_sealed (sealed_until<?)",
	} {
		if plan := sqlitePlan(t, s, q); !strings.Contains(plan, want) {
			t.Errorf("plan for %s:\n%s\nwant %q", q, plan, want)
		}
	}
}

// TestMigrationsRecordedOnce opens each dialect twice: the second Open must
// apply nothing and schema_migrations must list every file exactly once.
func TestMigrationsRecordedOnce(t *testing.T) {
	for name, dsn := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "t.db") },
		"postgres": func(t *testing.T) string { return pgtest.NewDatabase(t) },
	} {
		t.Run(name, func(t *testing.T) {
			d := dsn(t)
			for range 2 {
				s, err := Open(t.Context(), d)
				if err != nil {
					t.Fatal(err)
				}
				s.Close()
			}
			s, err := Open(t.Context(), d)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ms, err := loadMigrations(s.d)
			if err != nil {
				t.Fatal(err)
			}
			var n, last int
			if err := s.r.QueryRowContext(t.Context(), `SELECT COUNT(*), MAX(version) FROM schema_migrations`).Scan(&n, &last); err != nil {
				t.Fatal(err)
			}
			if n != len(ms) || last != ms[len(ms)-1].version {
				t.Fatalf("schema_migrations: %d rows up to %d, want %d up to %d", n, last, len(ms), ms[len(ms)-1].version)
			}
		})
	}
}

// TestGenericPlansUseIntendedIndexes guards PostgreSQL's cached plans on a
// fresh database. pgx prepares each statement once per connection, and
// after five runs PostgreSQL may keep a generic plan made before the table
// had statistics; an index that merely shares the leading tenant column
// then looks as good as the right one (it did: refresh_tokens_family for
// rotations, see migration 0007).
func TestGenericPlansUseIntendedIndexes(t *testing.T) {
	s, err := Open(t.Context(), pgtest.NewDatabase(t))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	conn, err := s.r.Conn(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(t.Context(), `SET plan_cache_mode = force_generic_plan`); err != nil {
		t.Fatal(err)
	}
	for name, c := range map[string]struct{ prepare, want string }{
		"rotation": {`UPDATE refresh_tokens SET rotated_at = $3
			WHERE tenant = $1 AND hash = $2 AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at > $3`, "refresh_tokens_pkey"},
		"family revocation": {`UPDATE refresh_tokens SET revoked_at = $3
			WHERE tenant = $1 AND family_id = $2 AND revoked_at IS NULL`, "refresh_tokens_family"},
		"api token lookup": {`SELECT id FROM api_tokens WHERE tenant = $1 AND hash = $2`, "api_tokens_hash"},
		"user lookup":      {`SELECT email FROM users WHERE tenant = $1 AND id = $2`, "users_pkey"},
	} {
		t.Run(name, func(t *testing.T) {
			stmt := strings.ReplaceAll(name, " ", "_")
			if _, err := conn.ExecContext(t.Context(), "PREPARE "+stmt+" AS "+c.prepare); err != nil {
				t.Fatal(err)
			}
			args := "'t', 'x'"
			if strings.Contains(c.prepare, "$3") {
				args += ", now()"
			}
			var plan strings.Builder
			rows, err := conn.QueryContext(t.Context(), "EXPLAIN EXECUTE "+stmt+"("+args+")")
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			for rows.Next() {
				var line string
				if err := rows.Scan(&line); err != nil {
					t.Fatal(err)
				}
				plan.WriteString(line + "\n")
			}
			if !strings.Contains(plan.String(), " using "+c.want+" on ") {
				t.Errorf("generic plan does not use %s:\n%s", c.want, plan.String())
			}
		})
	}
}
