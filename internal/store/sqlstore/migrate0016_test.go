package sqlstore

import (
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// TestMigration0016 upgrades a database with a tenant, a user and an
// application from before browser sign-in: the tenant gets the default
// session timeouts, the application stays a confidential client without
// redirect URIs, and the user can have a session.
func TestMigration0016(t *testing.T) {
	forEachUnmigrated(t, func(t *testing.T, s *Store) {
		c := t.Context()
		exec := migratedTo(t, s, 15)
		now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
		exec(`INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)`, "acme", "Acme", s.d.ts(now))
		exec(`INSERT INTO users (tenant, id, email, display_name, password_hash, roles, source, disabled, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, "acme", "john", "", "", "", `[]`, domain.SourceLocal, false, s.d.ts(now), s.d.ts(now))
		exec(`INSERT INTO applications (tenant, id, name, secret_hash, grant_types, scopes, default_scopes,
			access_token_ttl_ns, refresh_token_ttl_ns, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			"acme", "app1", "Shop", []byte{1}, `["password"]`, `[]`, `[]`, int64(time.Hour), int64(24*time.Hour), s.d.ts(now), s.d.ts(now))
		if err := s.migrate(c); err != nil {
			t.Fatal(err)
		}
		tn, err := s.GetTenant(c, "acme")
		if err != nil || tn.SessionIdleTimeout != 0 || tn.SessionMaxAge != 0 {
			t.Fatalf("tenant after upgrade = %+v, %v; want the default timeouts (0)", tn, err)
		}
		app, err := s.GetApplication(c, "acme", "app1")
		if err != nil || app.ClientType != domain.ClientConfidential || app.RedirectURIs == nil || len(app.RedirectURIs) != 0 ||
			app.PostLogoutRedirectURIs == nil || len(app.PostLogoutRedirectURIs) != 0 || app.FirstParty ||
			app.IDTokenSigningAlg != "" || app.Owner != "" || app.Name != "Shop" {
			t.Fatalf("application after upgrade = %+v, %v; want a confidential client without redirect URIs", app, err)
		}
		x := &domain.Session{ID: "s1", Hash: []byte("h"), UserID: "john", CreatedAt: now, ExpiresAt: now.Add(time.Hour)}
		if err := s.CreateSession(c, "acme", x); err != nil {
			t.Fatal(err)
		}
	})
}
