package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

func tokenEvent(tenant string, at time.Time, grant, client, user, outcome string) domain.AuditEvent {
	e := domain.AuditEvent{Time: at, Tenant: tenant, Action: domain.ActionToken, Grant: grant, Outcome: outcome,
		ClientID: client, UserID: user, RemoteAddr: "192.0.2.1", RequestID: "req"}
	if outcome == domain.OutcomeFailure {
		e.Reason = "invalid_grant"
	}
	return e
}

// testAudit covers audit storage, filters, (time, id) paging, retention
// and tenant isolation.
func testAudit(t *testing.T, s store.Store) {
	c := ctx(t)
	newTenant(t, s, "a")
	newTenant(t, s, "b")
	var batch []domain.AuditEvent
	for i := range 10 {
		outcome := domain.OutcomeSuccess
		if i%3 == 0 {
			outcome = domain.OutcomeFailure
		}
		batch = append(batch, tokenEvent("a", base.Add(time.Duration(i)*time.Minute), domain.GrantPassword, "app1", fmt.Sprint("u", i%2), outcome))
	}
	// Two events at one instant: paging must break the tie by id.
	batch = append(batch, tokenEvent("a", base.Add(9*time.Minute), domain.GrantClientCredentials, "app2", "", domain.OutcomeSuccess))
	batch = append(batch, domain.AuditEvent{Time: base, Tenant: "a", Action: "application.create", Outcome: domain.OutcomeSuccess,
		UserID: "admin", Target: "app2", RemoteAddr: "192.0.2.9", RequestID: "r2"})
	batch = append(batch, tokenEvent("b", base, domain.GrantPassword, "app1", "u0", domain.OutcomeSuccess))
	ok(t, s.AppendAudit(c, batch))
	ok(t, s.AppendAudit(c, nil))

	t.Run("round trip and order", func(t *testing.T) {
		got, err := s.ListAudit(c, "a", domain.AuditFilter{Action: "application.create"})
		ok(t, err)
		eq(t, "events", len(got), 1)
		e := got[0]
		eqTime(t, "time", e.Time, base)
		eq(t, "tenant", e.Tenant, "a")
		eq(t, "user", e.UserID, "admin")
		eq(t, "target", e.Target, "app2")
		eq(t, "remote", e.RemoteAddr, "192.0.2.9")
		eq(t, "request id", e.RequestID, "r2")
		all, err := s.ListAudit(c, "a", domain.AuditFilter{})
		ok(t, err)
		eq(t, "all of a", len(all), 12)
		for i := 1; i < len(all); i++ {
			p, q := all[i-1], all[i]
			if q.Time.After(p.Time) || (q.Time.Equal(p.Time) && q.ID >= p.ID) {
				t.Fatalf("not newest first at %d: %v/%d then %v/%d", i, p.Time, p.ID, q.Time, q.ID)
			}
		}
	})
	t.Run("filters", func(t *testing.T) {
		for _, tc := range []struct {
			name string
			f    domain.AuditFilter
			want int
		}{
			{"outcome failure", domain.AuditFilter{Outcome: domain.OutcomeFailure}, 4},
			{"grant", domain.AuditFilter{Grant: domain.GrantClientCredentials}, 1},
			{"client", domain.AuditFilter{ClientID: "app1"}, 10},
			{"user", domain.AuditFilter{UserID: "u1"}, 5},
			{"since until", domain.AuditFilter{Since: base.Add(2 * time.Minute), Until: base.Add(5 * time.Minute)}, 3},
			{"combined", domain.AuditFilter{UserID: "u0", Outcome: domain.OutcomeSuccess}, 3},
		} {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.ListAudit(c, "a", tc.f)
				ok(t, err)
				eq(t, "events", len(got), tc.want)
			})
		}
	})
	t.Run("paging on (time, id)", func(t *testing.T) {
		all, err := s.ListAudit(c, "a", domain.AuditFilter{})
		ok(t, err)
		var got []int64
		f := domain.AuditFilter{Limit: 5}
		for range 10 {
			page, err := s.ListAudit(c, "a", f)
			ok(t, err)
			if len(page) == 0 {
				break
			}
			for _, e := range page {
				got = append(got, e.ID)
			}
			last := page[len(page)-1]
			f.After = &domain.AuditCursor{Time: last.Time, ID: last.ID}
		}
		eq(t, "paged events", len(got), len(all))
		for i := range all {
			eq(t, "id", got[i], all[i].ID)
		}
	})
	t.Run("tenant isolation", func(t *testing.T) {
		got, err := s.ListAudit(c, "b", domain.AuditFilter{})
		ok(t, err)
		eq(t, "events of b", len(got), 1)
		eq(t, "tenant", got[0].Tenant, "b")
		none, err := s.ListAudit(c, "nobody", domain.AuditFilter{})
		ok(t, err)
		eq(t, "events of an unknown tenant", len(none), 0)
	})
	t.Run("retention", func(t *testing.T) {
		n, err := s.DeleteAuditBefore(c, base.Add(5*time.Minute))
		ok(t, err)
		eq(t, "purged", n, int64(7)) // a: 5 token events + 1 admin; b: 1
		got, err := s.ListAudit(c, "a", domain.AuditFilter{})
		ok(t, err)
		eq(t, "left", len(got), 6)
	})
}

// testStats checks the counters AppendAudit keeps, on known data.
func testStats(t *testing.T, s store.Store) {
	c := ctx(t)
	newTenant(t, s, "a")
	newTenant(t, s, "b")
	day := time.Date(2030, 3, 1, 0, 0, 0, 0, time.UTC)
	ev := func(tenant string, at time.Duration, grant, client, user, outcome string) domain.AuditEvent {
		return tokenEvent(tenant, day.Add(at), grant, client, user, outcome)
	}
	// Two batches: the counters must add up across them.
	ok(t, s.AppendAudit(c, []domain.AuditEvent{
		ev("a", 10*time.Minute, domain.GrantPassword, "app1", "john", domain.OutcomeSuccess),
		ev("a", 20*time.Minute, domain.GrantPassword, "app1", "john", domain.OutcomeSuccess),
		ev("a", 30*time.Minute, domain.GrantPassword, "app1", "mary", domain.OutcomeFailure), // refused: no count, no user
		ev("a", 70*time.Minute, domain.GrantClientCredentials, "app2", "", domain.OutcomeSuccess),
		ev("a", 25*time.Hour, domain.GrantEmbedSecret, "app1", "zoe", domain.OutcomeSuccess),
		ev("b", 10*time.Minute, domain.GrantPassword, "app1", "bob", domain.OutcomeSuccess),
	}))
	// An event stored at once (InsertAuditEvent) is only counted by the
	// batch that carries it later: listed once, counted once.
	anna := ev("a", 50*time.Minute, domain.GrantPassword, "app1", "anna", domain.OutcomeSuccess)
	ok(t, s.InsertAuditEvents(c, []domain.AuditEvent{anna}))
	if got, err := s.ListAudit(c, "a", domain.AuditFilter{Since: day.Add(50 * time.Minute), Until: day.Add(51 * time.Minute)}); err != nil || len(got) != 1 || got[0].UserID != "anna" {
		t.Fatalf("stored at once: %+v, %v", got, err)
	}
	anna.Stored = true
	ok(t, s.AppendAudit(c, []domain.AuditEvent{
		anna,
		ev("a", 26*time.Hour, domain.GrantRefreshToken, "app1", "john", domain.OutcomeSuccess), // refresh: counted, no new user
		{Time: day, Tenant: "a", Action: "user.create", Outcome: domain.OutcomeSuccess, UserID: "admin", Target: "x"},
	}))
	type row struct {
		start  time.Time
		grant  string
		client string
		n      int64
	}
	check := func(t *testing.T, got []domain.TokenCount, want []row) {
		t.Helper()
		if len(got) != len(want) {
			t.Fatalf("got %d buckets %+v, want %d", len(got), got, len(want))
		}
		for i, w := range want {
			g := got[i]
			if !g.Start.Equal(w.start) || g.Grant != w.grant || g.ClientID != w.client || g.Count != w.n {
				t.Fatalf("bucket %d = %+v, want %+v", i, g, w)
			}
		}
	}
	t.Run("the most events one insert takes, and one more", func(t *testing.T) {
		evs := make([]domain.AuditEvent, store.MaxInsertAuditEvents+1)
		for i := range evs {
			evs[i] = ev("a", 80*time.Hour+time.Duration(i)*time.Second, domain.GrantPassword, "app9", "u", domain.OutcomeSuccess)
		}
		if err := s.InsertAuditEvents(c, evs); err == nil {
			t.Fatal("an insert past the limit was taken")
		}
		ok(t, s.InsertAuditEvents(c, evs[:store.MaxInsertAuditEvents]))
		got, err := s.ListAudit(c, "a", domain.AuditFilter{Since: day.Add(80 * time.Hour), Limit: 1000})
		ok(t, err)
		eq(t, "stored", len(got), store.MaxInsertAuditEvents)
	})
	t.Run("an event stored at once is listed once", func(t *testing.T) {
		got, err := s.ListAudit(c, "a", domain.AuditFilter{Since: day.Add(50 * time.Minute), Until: day.Add(51 * time.Minute)})
		ok(t, err)
		eq(t, "events", len(got), 1)
	})
	t.Run("hourly", func(t *testing.T) {
		got, err := s.TokenCounts(c, "a", day, day.Add(48*time.Hour), time.Hour)
		ok(t, err)
		check(t, got, []row{
			{day, domain.GrantPassword, "app1", 3},
			{day.Add(time.Hour), domain.GrantClientCredentials, "app2", 1},
			{day.Add(25 * time.Hour), domain.GrantEmbedSecret, "app1", 1},
			{day.Add(26 * time.Hour), domain.GrantRefreshToken, "app1", 1},
		})
	})
	t.Run("daily", func(t *testing.T) {
		got, err := s.TokenCounts(c, "a", day, day.Add(48*time.Hour), 24*time.Hour)
		ok(t, err)
		check(t, got, []row{
			{day, domain.GrantClientCredentials, "app2", 1},
			{day, domain.GrantPassword, "app1", 3},
			{day.Add(24 * time.Hour), domain.GrantEmbedSecret, "app1", 1},
			{day.Add(24 * time.Hour), domain.GrantRefreshToken, "app1", 1},
		})
	})
	t.Run("range excludes until", func(t *testing.T) {
		got, err := s.TokenCounts(c, "a", day, day.Add(time.Hour), time.Hour)
		ok(t, err)
		check(t, got, []row{{day, domain.GrantPassword, "app1", 3}})
	})
	t.Run("application users", func(t *testing.T) {
		users, total, err := s.ApplicationUsers(c, "a", "app1", domain.Page{})
		ok(t, err)
		eq(t, "total", total, int64(3))
		eqList(t, "users", ids(users, func(u domain.AppUser) string { return u.UserID }), []string{"anna", "john", "zoe"})
		eqTime(t, "john first seen", users[1].FirstSeen, day.Add(10*time.Minute))
		page, _, err := s.ApplicationUsers(c, "a", "app1", domain.Page{After: "anna", Limit: 1})
		ok(t, err)
		eqList(t, "page", ids(page, func(u domain.AppUser) string { return u.UserID }), []string{"john"})
		none, total, err := s.ApplicationUsers(c, "a", "app2", domain.Page{})
		ok(t, err)
		eq(t, "client_credentials users", total, int64(0))
		eq(t, "listed", len(none), 0)
	})
	t.Run("tenant isolation", func(t *testing.T) {
		got, err := s.TokenCounts(c, "b", day, day.Add(48*time.Hour), time.Hour)
		ok(t, err)
		check(t, got, []row{{day, domain.GrantPassword, "app1", 1}})
		users, total, err := s.ApplicationUsers(c, "b", "app1", domain.Page{})
		ok(t, err)
		eq(t, "users of b", total, int64(1))
		eqList(t, "users", ids(users, func(u domain.AppUser) string { return u.UserID }), []string{"bob"})
	})
	t.Run("a thousand events in one batch", func(t *testing.T) {
		var batch []domain.AuditEvent
		for i := range 1000 {
			batch = append(batch, ev("b", 72*time.Hour+time.Duration(i)*time.Second, domain.GrantPassword, "app9", fmt.Sprint("u", i%7), domain.OutcomeSuccess))
		}
		ok(t, s.AppendAudit(c, batch))
		got, err := s.TokenCounts(c, "b", day.Add(72*time.Hour), day.Add(96*time.Hour), 24*time.Hour)
		ok(t, err)
		check(t, got, []row{{day.Add(72 * time.Hour), domain.GrantPassword, "app9", 1000}})
		_, total, err := s.ApplicationUsers(c, "b", "app9", domain.Page{})
		ok(t, err)
		eq(t, "distinct users", total, int64(7))
	})
}
