package sqlstore

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
)

// TestMigration0006 upgrades a database as release 0005 left it, with a
// tenant in it: the tenant keeps its data and gets no API-token cap, and
// the new column is then writable.
func TestMigration0006(t *testing.T) {
	forEachUnmigrated(t, func(t *testing.T, s *Store) {
		c := t.Context()
		if err := s.migrateTo(c, 5); err != nil {
			t.Fatal(err)
		}
		created := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		if _, err := s.w.ExecContext(c, s.d.rebind(`INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)`),
			"acme", "Acme", s.d.ts(created)); err != nil {
			t.Fatal(err)
		}
		if err := s.migrate(c); err != nil {
			t.Fatal(err)
		}
		got, err := s.GetTenant(c, "acme")
		if err != nil {
			t.Fatal(err)
		}
		if got.Name != "Acme" || !got.CreatedAt.Equal(created) || got.APITokenMaxTTL != 0 {
			t.Fatalf("tenant after upgrade = %+v, want Acme with no cap", got)
		}
		if _, err := s.UpdateTenant(c, "acme", func(t *domain.Tenant) error {
			t.APITokenMaxTTL = 90 * 24 * time.Hour
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if again, err := s.GetTenant(c, "acme"); err != nil || again.APITokenMaxTTL != 90*24*time.Hour {
			t.Fatalf("cap after update = %+v, %v", again, err)
		}
	})
}

// migratedTo migrates s up to version and returns exec, which runs a
// statement ('?' placeholders) on it or fails the test: migration tests
// fill the database with it as that release left it.
func migratedTo(t *testing.T, s *Store, version int) (exec func(q string, args ...any)) {
	t.Helper()
	if err := s.migrateTo(t.Context(), version); err != nil {
		t.Fatal(err)
	}
	return func(q string, args ...any) {
		t.Helper()
		if _, err := s.w.ExecContext(t.Context(), s.d.rebind(q), args...); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
}

// forEachUnmigrated runs f on an empty SQLite store and, when enabled, an
// empty PostgreSQL database, neither migrated, for migration tests to
// build an older release's schema with migrateTo.
func forEachUnmigrated(t *testing.T, f func(t *testing.T, s *Store)) {
	for name, open := range map[string]func(t *testing.T) (*Store, error){
		"sqlite":   func(t *testing.T) (*Store, error) { return openSQLite(filepath.Join(t.TempDir(), "t.db")) },
		"postgres": func(t *testing.T) (*Store, error) { return openPostgres(pgtest.NewDatabase(t)) },
	} {
		t.Run(name, func(t *testing.T) {
			s, err := open(t)
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			f(t, s)
		})
	}
}

// TestAPITokenPurgeUsesIndex: the purge of long-expired API tokens, with
// the grace subtracted in SQL, is still a range scan of
// api_tokens_expires, not a walk over every token.
func TestAPITokenPurgeUsesIndex(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	plan := sqlitePlan(t, s, s.d.apiTokenPurge(), s.d.ts(time.Now()), 10)
	if want := "INDEX api_tokens_expires (expires_at<?)"; !strings.Contains(plan, want) {
		t.Errorf("plan:\n%s\nwant %q", plan, want)
	}
}
