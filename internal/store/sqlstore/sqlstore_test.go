package sqlstore_test

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/store"
	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
	"github.com/tollgate-dev/tollgate/internal/store/storetest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func open(t *testing.T, dsn string) *sqlstore.Store {
	t.Helper()
	s, err := sqlstore.Open(t.Context(), dsn)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

func TestSQLite(t *testing.T) {
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, filepath.Join(t.TempDir(), "tollgate.db"))
	})
}

func TestPostgres(t *testing.T) {
	pgtest.NewDatabase(t) // skips unless enabled, before any subtest runs
	storetest.Run(t, func(t *testing.T) store.Store {
		return open(t, pgtest.NewDatabase(t))
	})
}

func TestSQLiteReopen(t *testing.T) {
	path := filepath.Join(t.TempDir(), "toll #gate%20.db")
	for _, dsn := range []string{path, "sqlite:" + path, "file:" + path} {
		s, err := sqlstore.Open(context.Background(), dsn)
		if err != nil {
			t.Fatalf("Open(%q): %v", dsn, err)
		}
		if err := s.PutSetting(context.Background(), "k", dsn); err != nil {
			t.Fatal(err)
		}
		s.Close()
	}
	if _, err := os.Stat(path); err != nil {
		t.Fatalf("database not at the literal path: %v", err)
	}
	s := open(t, path)
	v, err := s.GetSetting(context.Background(), "k")
	if err != nil || v != "file:"+path {
		t.Fatalf("setting after reopen = %q, %v", v, err)
	}
}

// TestPostgresConcurrentMigrate starts two nodes on one empty database at
// once; the advisory lock must let both succeed, then a reopen is a no-op.
func TestPostgresConcurrentMigrate(t *testing.T) {
	dsn := pgtest.NewDatabase(t)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	stores := make([]*sqlstore.Store, 2)
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stores[i], errs[i] = sqlstore.Open(context.Background(), dsn)
		}()
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("node %d: %v", i, err)
		}
		stores[i].Close()
	}
	s := open(t, dsn)
	if err := s.PutSetting(context.Background(), "k", "v"); err != nil {
		t.Fatal(err)
	}
}
