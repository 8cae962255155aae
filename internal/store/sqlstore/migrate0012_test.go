package sqlstore

import (
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// TestMigration0012 upgrades a database with an application and a refresh
// token from before the rotation grace: the application gets the default
// grace, and the token rotates with a sealed successor.
func TestMigration0012(t *testing.T) {
	forEachUnmigrated(t, func(t *testing.T, s *Store) {
		c := t.Context()
		if err := s.migrateTo(c, 11); err != nil {
			t.Fatal(err)
		}
		now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		for _, q := range []struct {
			sql  string
			args []any
		}{
			{`INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)`, []any{"acme", "Acme", s.d.ts(now)}},
			{`INSERT INTO applications (tenant, id, name, secret_hash, grant_types, scopes, default_scopes,
				access_token_ttl_ns, refresh_token_ttl_ns, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				[]any{"acme", "app1", "Shop", []byte{1}, `["refresh_token"]`, `[]`, `[]`, int64(time.Hour), int64(24 * time.Hour), s.d.ts(now), s.d.ts(now)}},
			{`INSERT INTO refresh_tokens (tenant, hash, family_id, client_id, subject, scopes, audience, expires_at, created_at)
				VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
				[]any{"acme", []byte("old"), "fam", "app1", "john", `[]`, `[]`, s.d.ts(now.Add(time.Hour)), s.d.ts(now)}},
		} {
			if _, err := s.w.ExecContext(c, s.d.rebind(q.sql), q.args...); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.migrate(c); err != nil {
			t.Fatal(err)
		}
		app, err := s.GetApplication(c, "acme", "app1")
		if err != nil || app.RefreshReuseGrace != domain.DefaultRefreshReuseGrace {
			t.Fatalf("application after upgrade = %+v, %v; want the default grace", app, err)
		}
		next := &domain.RefreshToken{Hash: []byte("new"), ExpiresAt: now.Add(2 * time.Hour), CreatedAt: now,
			Sealed: []byte("sealed"), SealedUntil: now.Add(time.Minute)}
		if _, err := s.RotateRefreshToken(c, "acme", []byte("old"), next, now); err != nil {
			t.Fatal(err)
		}
		rot, err := s.RotateRefreshToken(c, "acme", []byte("old"), &domain.RefreshToken{Hash: []byte("fork")}, now)
		if err != nil || rot.Successor == nil || string(rot.Successor.Sealed) != "sealed" {
			t.Fatalf("retry after upgrade: %+v, %v", rot, err)
		}
	})
}
