package session

import (
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore/sqltest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestLifetime: a session is found by its cookie until its tenant's idle
// timeout or absolute lifetime passes, a use keeps it alive, and an
// ended one is gone.
func TestLifetime(t *testing.T) {
	sqltest.ForEach(t, func(t *testing.T, st *sqlstore.Store) {
		ctx := t.Context()
		must := func(err error) {
			t.Helper()
			if err != nil {
				t.Fatal(err)
			}
		}
		must(st.CreateTenant(ctx, &domain.Tenant{ID: "acme", Name: "Acme",
			SessionIdleTimeout: 10 * time.Minute, SessionMaxAge: time.Hour}))
		must(st.CreateUser(ctx, "acme", &domain.User{ID: "ann", Source: domain.SourceLocal}))
		now := time.Now()
		m := New(st, true)
		m.now = func() time.Time { return now }
		if m.CookieName("acme") != "__Host-tollgate-acme" {
			t.Errorf("cookie name %q", m.CookieName("acme"))
		}
		s, cookie, err := m.Start(ctx, "acme", "ann", []string{domain.AMRPassword})
		must(err)
		if !cookie.HttpOnly || !cookie.Secure || cookie.SameSite != 2 || cookie.Path != "/" || cookie.MaxAge != 3600 {
			t.Errorf("cookie %+v", cookie)
		}
		find := func(at time.Duration, raw string) *domain.Session {
			t.Helper()
			now = s.CreatedAt.Add(at)
			got, err := m.Lookup(ctx, "acme", raw)
			must(err)
			return got
		}
		if got := find(9*time.Minute, cookie.Value); got == nil || got.ID != s.ID || got.UserID != "ann" {
			t.Fatalf("a live session: %+v", got)
		}
		if find(18*time.Minute, cookie.Value) == nil {
			t.Fatal("a session used 9 minutes ago expired after a 10-minute idle timeout")
		}
		if find(29*time.Minute, cookie.Value) != nil {
			t.Error("a session idle for 11 minutes is still live")
		}
		mangled := []byte(cookie.Value)
		mangled[len(mangled)-1] ^= 1 // another base62 character: the checksum fails
		if find(0, string(mangled)) != nil || find(0, "tgs_nope") != nil {
			t.Error("a mangled cookie found a session")
		}
		if _, err := m.Lookup(ctx, "other", cookie.Value); err != nil {
			t.Errorf("another tenant: %v", err)
		}
		s2, c2, err := m.Start(ctx, "acme", "ann", nil)
		must(err)
		s = s2 // find counts from the new session's start
		for at := 9 * time.Minute; at < time.Hour; at += 9 * time.Minute {
			if find(at, c2.Value) == nil {
				t.Fatalf("a session in use expired at %v", at)
			}
		}
		if find(time.Hour+time.Minute, c2.Value) != nil {
			t.Error("a session outlived its absolute lifetime")
		}
		now = s2.CreatedAt
		_, err = m.End(ctx, "acme", s2)
		must(err)
		if find(time.Minute, c2.Value) != nil {
			t.Error("an ended session is still found")
		}
	})
}
