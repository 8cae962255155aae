// Package sqltest opens real stores for the tests of packages above the
// store: a fresh SQLite file and, when enabled, a fresh PostgreSQL
// database (package pgtest), never a mock.
package sqltest

import (
	"path/filepath"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
)

// ForEach runs f as subtest "sqlite" on a fresh SQLite store and as
// "postgres" on a fresh PostgreSQL database (skipped unless enabled; the
// package's TestMain must call pgtest.Main).
func ForEach(t *testing.T, f func(t *testing.T, st *sqlstore.Store)) {
	t.Run("sqlite", func(t *testing.T) { f(t, Open(t, filepath.Join(t.TempDir(), "t.db"))) })
	t.Run("postgres", func(t *testing.T) { f(t, Open(t, pgtest.NewDatabase(t))) })
}

// Open opens the store at dsn (a file path or a postgres:// URL) and
// closes it when the test ends.
func Open(t testing.TB, dsn string) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), dsn)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	return st
}
