package token

import (
	"context"
	"errors"
	"path/filepath"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
)

// testStore is what the keyring and revocation tests need from a store.
type testStore interface {
	KeyStore
	RevocationStore
}

// testTenants exist in every test store (signing keys and revocations
// reference their tenant).
var testTenants = []string{domain.DefaultTenant, "acme", "other"}

// newTestStore opens the real store on a SQLite file, with the test
// tenants created. Fuzzing, benchmarks and white-box tests that poke at
// rows use memStore instead.
func newTestStore(t testing.TB) testStore {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "tollgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	for _, id := range testTenants {
		err := st.CreateTenant(ctx, &domain.Tenant{ID: id, Name: id})
		if err != nil && !errors.Is(err, domain.ErrConflict) {
			t.Fatal(err)
		}
	}
	return st
}
