package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// testOpsStats pins the console's summary queries: refusals by reason,
// users per application, the entity counts and API-token use, each
// scoped to its tenant.
func testOpsStats(t *testing.T, s store.Store) {
	c := ctx(t)
	newTenant(t, s, "a")
	newTenant(t, s, "b")
	day := time.Date(2030, 3, 1, 0, 0, 0, 0, time.UTC)
	fail := func(tenant string, at time.Duration, action, reason string) domain.AuditEvent {
		return domain.AuditEvent{Time: day.Add(at), Tenant: tenant, Action: action, Outcome: domain.OutcomeFailure, Reason: reason}
	}
	ok(t, s.AppendAudit(c, []domain.AuditEvent{
		fail("a", 10*time.Minute, domain.ActionToken, "invalid_grant"),
		fail("a", 70*time.Minute, domain.ActionToken, "invalid_grant"),
		fail("a", 80*time.Minute, domain.ActionToken, "invalid_client"),
		fail("a", 25*time.Hour, domain.ActionToken, "invalid_client"), // outside the first day
		fail("b", 10*time.Minute, domain.ActionToken, "invalid_scope"),
		tokenEvent("a", day, domain.GrantPassword, "app1", "john", domain.OutcomeSuccess),
		tokenEvent("a", day, domain.GrantPassword, "app1", "mary", domain.OutcomeSuccess),
		tokenEvent("a", day, domain.GrantPassword, "app2", "john", domain.OutcomeSuccess),
		tokenEvent("a", day, domain.GrantPassword, "app3", "zoe", domain.OutcomeSuccess),
		tokenEvent("b", day, domain.GrantPassword, "app9", "bob", domain.OutcomeSuccess),
	}))
	// A second batch adds to the same hour's counter.
	ok(t, s.AppendAudit(c, []domain.AuditEvent{fail("a", 20*time.Minute, domain.ActionRevoke, "invalid_client"),
		fail("a", 30*time.Minute, domain.ActionToken, "invalid_grant")}))

	t.Run("refusals by reason", func(t *testing.T) {
		got, err := s.RefusalCounts(c, "a", day, day.Add(24*time.Hour))
		ok(t, err)
		want := []domain.RefusalCount{{Action: domain.ActionToken, Reason: "invalid_grant", Count: 3},
			{Action: domain.ActionRevoke, Reason: "invalid_client", Count: 1}, {Action: domain.ActionToken, Reason: "invalid_client", Count: 1}}
		eqAll(t, "refusals", got, want)
		later, err := s.RefusalCounts(c, "a", day.Add(time.Hour), day.Add(2*time.Hour))
		ok(t, err)
		// Ties in order of action and reason.
		eqAll(t, "second hour", later, []domain.RefusalCount{{Action: domain.ActionToken, Reason: "invalid_client", Count: 1},
			{Action: domain.ActionToken, Reason: "invalid_grant", Count: 1}})
		none, err := s.RefusalCounts(c, "nobody", day, day.Add(48*time.Hour))
		ok(t, err)
		eq(t, "unknown tenant", len(none), 0)
	})
	t.Run("users per application", func(t *testing.T) {
		got, err := s.ApplicationUserCounts(c, "a", domain.Page{})
		ok(t, err)
		eqAll(t, "counts", got, []domain.AppUserCount{{ClientID: "app1", Users: 2}, {ClientID: "app2", Users: 1}, {ClientID: "app3", Users: 1}})
		page, err := s.ApplicationUserCounts(c, "a", domain.Page{After: "app1", Limit: 1})
		ok(t, err)
		eqAll(t, "page", page, []domain.AppUserCount{{ClientID: "app2", Users: 1}})
	})
	t.Run("entity counts", func(t *testing.T) {
		defineSamples(t, s, "a")
		ok(t, s.CreateUser(c, "a", sampleUser("john")))
		ok(t, s.CreateUser(c, "a", sampleUser("jane")))
		ok(t, s.CreateApplication(c, "a", sampleApp("app-a")))
		api := sampleAPI("orders", "/orders")
		api.Resources = []domain.APIResource{{Method: "GET", Path: "/health", Scopes: []string{}, Public: true}}
		ok(t, s.CreateAPI(c, "a", api))
		got, err := s.CountEntities(c, "a")
		ok(t, err)
		eq(t, "a", got, domain.TenantCounts{Users: 2, Applications: 1, APIs: 1})
		other, err := s.CountEntities(c, "b")
		ok(t, err)
		eq(t, "b", other, domain.TenantCounts{})
	})
	t.Run("API-token use", func(t *testing.T) {
		ok(t, s.CreateAPIToken(c, "a", sampleAPIToken("john", "ci")))    // expires base+24h
		ok(t, s.CreateAPIToken(c, "a", sampleAPIToken("john", "old")))   // never used
		ok(t, s.CreateAPIToken(c, "a", sampleAPIToken("jane", "daily"))) // used recently
		ok(t, s.RecordAPITokenUses(c, []domain.APITokenUse{
			{Tenant: "a", UserID: "john", ID: "ci", At: base.Add(-10 * 24 * time.Hour)},
			{Tenant: "a", UserID: "jane", ID: "daily", At: base.Add(-time.Hour)},
		}))
		now := base.Add(48 * time.Hour) // all three have expired by then
		got, err := s.APITokenUsage(c, "a", base, base.Add(-24*time.Hour), base.Add(-30*24*time.Hour))
		ok(t, err)
		eq(t, "total", got.Total, int64(3))
		eq(t, "expired", got.Expired, int64(0))
		eq(t, "never used", got.NeverUsed, int64(1))
		eq(t, "cut-offs", len(got.UsedSince), 2)
		eq(t, "used in a day", got.UsedSince[0].Count, int64(1))
		eq(t, "used in 30 days", got.UsedSince[1].Count, int64(2))
		later, err := s.APITokenUsage(c, "a", now)
		ok(t, err)
		eq(t, "expired later", later.Expired, int64(3))
		other, err := s.APITokenUsage(c, "b", now)
		ok(t, err)
		eq(t, "b", other.Total, int64(0))
	})
}

// eqAll compares two lists of comparable rows, in order.
func eqAll[T comparable](t *testing.T, what string, got, want []T) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s = %+v, want %+v", what, got, want)
	}
}
