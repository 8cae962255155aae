package sqlstore

import (
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// TestMigration0017 upgrades a database with a signing key from before key
// uses: the key becomes the access-token key, and a first ID-token key
// leaves it active.
func TestMigration0017(t *testing.T) {
	forEachUnmigrated(t, func(t *testing.T, s *Store) {
		c := t.Context()
		exec := migratedTo(t, s, 16)
		now := time.Date(2030, 1, 2, 3, 0, 0, 0, time.UTC)
		exec(`INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)`, "acme", "Acme", s.d.ts(now))
		exec(`INSERT INTO signing_keys (tenant, id, algorithm, public_key, private_key, created_at) VALUES (?, ?, ?, ?, ?, ?)`,
			"acme", "old", "ES256", []byte(`{}`), []byte("sealed"), s.d.ts(now))
		if err := s.migrate(c); err != nil {
			t.Fatal(err)
		}
		next := &domain.SigningKey{ID: "id", Algorithm: "RS256", Use: domain.KeyUseIDToken, PublicKey: []byte(`{}`),
			PrivateKey: []byte("sealed"), CreatedAt: now.Add(time.Minute)}
		if err := s.RotateSigningKey(c, "acme", next, now.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		ks, err := s.ListSigningKeys(c, "acme", now.Add(time.Minute))
		if err != nil || len(ks) != 2 {
			t.Fatalf("keys after upgrade: %+v, %v", ks, err)
		}
		if k := ks[1]; k.ID != "old" || k.Use != domain.KeyUseTokens || k.RetiredAt != nil {
			t.Fatalf("the old key after upgrade and an ID-token key: %+v", k)
		}
	})
}
