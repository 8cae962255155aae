package sqlstore

import (
	"slices"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// TestMigration0013 upgrades a database as release 0012 left it, with
// lookalike usernames and the old embed client id in it: user ids get
// their PRECIS form and everything referring to them follows; lookalikes
// and names PRECIS refuses stay as they were and are recorded, not merged.
func TestMigration0013(t *testing.T) {
	forEachUnmigrated(t, func(t *testing.T, s *Store) {
		c := t.Context()
		exec := migratedTo(t, s, 12)
		now := time.Date(2030, 1, 2, 3, 0, 0, 0, time.UTC)
		exec(`INSERT INTO tenants (id, name, created_at) VALUES (?, ?, ?)`, "acme", "Acme", s.d.ts(now))
		users := []string{
			"John.Doe",     // renamed to john.doe
			"jane", "Ｊane", // a lookalike of a normal name: both stay
			"Bob", "BOB", // two lookalikes, neither normal: both stay
			"zero\u200bwidth", // refused by PRECIS: stays
			"ann",             // normal already
		}
		for _, id := range users {
			exec(`INSERT INTO users (tenant, id, email, display_name, password_hash, roles, source, disabled, created_at, updated_at)
				VALUES (?, ?, '', 'Name of '||?, '$argon2id$x', '["reader"]', 'csv', ?, ?, ?)`,
				"acme", id, id, id == "John.Doe", s.d.ts(now), s.d.ts(now))
		}
		exec(`INSERT INTO api_tokens (tenant, user_id, id, hash, description, scopes, created_at) VALUES (?, ?, ?, ?, '', '[]', ?)`,
			"acme", "John.Doe", "ci", []byte("token-hash"), s.d.ts(now))
		exec(`INSERT INTO refresh_tokens (tenant, hash, family_id, client_id, subject, scopes, audience, expires_at, created_at)
			VALUES (?, ?, 'fam', 'tollgate:embed', ?, '[]', '[]', ?, ?)`, "acme", []byte("rt-hash"), "John.Doe", s.d.ts(now.Add(time.Hour)), s.d.ts(now))
		exec(`INSERT INTO audit_events (tenant, at, action, grant_type, outcome, reason, client_id, user_id, target, remote_addr, request_id)
			VALUES (?, ?, 'token', 'embed_secret', 'success', '', 'tollgate:embed', ?, '', '', '')`, "acme", s.d.ts(now), "John.Doe")
		exec(`INSERT INTO token_counts (tenant, hour, grant_type, client_id, n) VALUES (?, ?, 'embed_secret', 'tollgate:embed', 7)`, "acme", now.Unix())
		for _, au := range [][2]string{{"tollgate:embed", "John.Doe"}, {"app1", "John.Doe"}, {"app1", "john.doe"}, {"app1", "BOB"}} {
			exec(`INSERT INTO app_users (tenant, client_id, user_id, first_seen) VALUES (?, ?, ?, ?)`, "acme", au[0], au[1], s.d.ts(now))
		}

		if err := s.migrate(c); err != nil {
			t.Fatal(err)
		}

		u, err := s.GetUser(c, "acme", "john.doe")
		if err != nil || u.DisplayName != "Name of John.Doe" || !u.Disabled || !u.CreatedAt.Equal(now) || u.PasswordHash != "$argon2id$x" {
			t.Fatalf("renamed user = %+v, %v; want every attribute kept", u, err)
		}
		if _, err := s.GetUser(c, "acme", "John.Doe"); err == nil {
			t.Fatal("the old id is still there")
		}
		if toks, err := s.ListAPITokens(c, "acme", "john.doe", domain.Page{Limit: 10}); err != nil || len(toks) != 1 || toks[0].ID != "ci" {
			t.Fatalf("API tokens moved: %+v, %v", toks, err)
		}
		if rt, err := s.FindRefreshToken(c, "acme", []byte("rt-hash"), now); err != nil || rt.Subject != "john.doe" || rt.ClientID != domain.EmbedApplicationID {
			t.Fatalf("refresh token = %+v, %v", rt, err)
		}
		if evs, err := s.ListAudit(c, "acme", domain.AuditFilter{UserID: "john.doe", ClientID: domain.EmbedApplicationID, Limit: 10}); err != nil || len(evs) != 1 {
			t.Fatalf("audit events of john.doe through tollgate-embed: %+v, %v", evs, err)
		}
		if n, err := s.TokenCounts(c, "acme", now, now.Add(time.Hour), time.Hour); err != nil || len(n) != 1 || n[0].ClientID != domain.EmbedApplicationID || n[0].Count != 7 {
			t.Fatalf("token counts: %+v, %v", n, err)
		}
		appUsers := func(client string) []string {
			xs, _, err := s.ApplicationUsers(c, "acme", client, domain.Page{Limit: 10})
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, x := range xs {
				ids = append(ids, x.UserID)
			}
			return ids
		}
		if got := appUsers(domain.EmbedApplicationID); !slices.Equal(got, []string{"john.doe"}) {
			t.Fatalf("embed application users: %v", got)
		}
		if got := appUsers("app1"); !slices.Equal(got, []string{"BOB", "john.doe"}) {
			t.Fatalf("app1 users (one john.doe): %v", got)
		}

		for _, id := range []string{"jane", "Ｊane", "Bob", "BOB", "zero\u200bwidth", "ann"} {
			if _, err := s.GetUser(c, "acme", id); err != nil {
				t.Errorf("user %q: %v; want it left as it was", id, err)
			}
		}
		rows, err := s.r.QueryContext(c, `SELECT user_id, normalized, reason FROM username_conflicts ORDER BY user_id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		got := map[string][2]string{}
		for rows.Next() {
			var id, normal, reason string
			if err := rows.Scan(&id, &normal, &reason); err != nil {
				t.Fatal(err)
			}
			got[id] = [2]string{normal, reason}
		}
		want := map[string][2]string{
			"BOB":             {"bob", `its PRECIS form "bob" is also that of user "Bob"`},
			"Bob":             {"bob", `its PRECIS form "bob" is also that of user "BOB"`},
			"Ｊane":            {"jane", `its PRECIS form "jane" is also that of user "jane"`},
			"zero\u200bwidth": {"", "PRECIS refuses the name: id: not a valid username (PRECIS UsernameCaseMapped, RFC 8265): no spaces, control or invisible characters"},
		}
		if len(got) != len(want) {
			t.Errorf("conflicts = %q, want %q", got, want)
		}
		for id, w := range want {
			if got[id] != w {
				t.Errorf("conflict %q = %q, want %q", id, got[id], w)
			}
		}
	})
}

// TestMigrationGoStepNeedsFile: a Go step is part of a numbered migration
// and cannot run without its .sql file.
func TestMigrationGoStepNeedsFile(t *testing.T) {
	goSteps[9999] = normalizeUsernames
	defer delete(goSteps, 9999)
	if _, err := loadMigrations(sqliteDialect); err == nil {
		t.Fatal("a Go step without a file was accepted")
	}
}
