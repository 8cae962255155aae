package storetest

import (
	"slices"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// testLoginFailures pins the shared sign-in counters: atomic increments
// that every node sees, expiry that restarts a counter, clearing a
// username everywhere but not its addresses, and purging.
func testLoginFailures(t *testing.T, s store.Store) {
	c := ctx(t)
	const window = 15 * time.Minute
	userAt := domain.ThrottleKey{Tenant: "acme", Username: "john", Addr: "192.0.2.1"}
	user := domain.ThrottleKey{Tenant: "acme", Username: "john"}
	addr := domain.ThrottleKey{Addr: "192.0.2.1"}
	keys := []domain.ThrottleKey{userAt, user, addr}
	// counts reads keys at now into a map, so the order of rows is free.
	counts := func(t *testing.T, fs []domain.LoginFailures, err error) map[domain.ThrottleKey]int {
		t.Helper()
		ok(t, err)
		m := map[domain.ThrottleKey]int{}
		for _, f := range fs {
			m[f.Key] = f.Count
		}
		return m
	}

	t.Run("nothing counted yet", func(t *testing.T) {
		fs, err := s.LoginFailures(c, keys, base)
		eq(t, "live counters", len(counts(t, fs, err)), 0)
	})
	t.Run("each failure counts once on every key", func(t *testing.T) {
		_, err := s.AddLoginFailure(c, keys, base, window)
		ok(t, err)
		fs, err := s.AddLoginFailure(c, keys, base.Add(time.Minute), window)
		got := counts(t, fs, err)
		for _, k := range keys {
			eq(t, "count after two failures", got[k], 2)
		}
		read, err := s.LoginFailures(c, keys, base.Add(2*time.Minute))
		ok(t, err)
		eq(t, "live counters", len(read), 3)
		for _, f := range read {
			eq(t, "count read", f.Count, 2)
			eqTime(t, "last failure", f.Last, base.Add(time.Minute))
			eqTime(t, "expiry", f.ExpiresAt, base.Add(time.Minute+window))
		}
	})
	t.Run("an expired counter is not read and starts again", func(t *testing.T) {
		later := base.Add(time.Minute + window)
		fs, err := s.LoginFailures(c, keys, later)
		eq(t, "live counters at expiry", len(counts(t, fs, err)), 0)
		fs, err = s.AddLoginFailure(c, []domain.ThrottleKey{addr}, later, window)
		eq(t, "restarted count", counts(t, fs, err)[addr], 1)
	})
	t.Run("concurrent failures on several nodes all count", func(t *testing.T) {
		k := domain.ThrottleKey{Tenant: "acme", Username: "hammered"}
		errs := race(func(int) error {
			_, err := s.AddLoginFailure(c, []domain.ThrottleKey{k, addr}, base.Add(time.Hour), window)
			return err
		})
		eq(t, "successes", tally(t, errs), workers)
		fs, err := s.LoginFailures(c, []domain.ThrottleKey{k}, base.Add(time.Hour))
		eq(t, "count", counts(t, fs, err)[k], workers)
	})
	t.Run("clearing a user keeps the address's and others' counters", func(t *testing.T) {
		now := base.Add(2 * time.Hour)
		other := domain.ThrottleKey{Tenant: "acme", Username: "jane", Addr: "192.0.2.1"}
		otherTenant := domain.ThrottleKey{Tenant: "beta", Username: "john", Addr: "192.0.2.1"}
		all := append(slices.Clone(keys), other, otherTenant)
		_, err := s.AddLoginFailure(c, all, now, window)
		ok(t, err)
		ok(t, s.ClearLoginFailures(c, "acme", "john"))
		fs, err := s.LoginFailures(c, all, now)
		got := counts(t, fs, err)
		eq(t, "john at the address", got[userAt], 0)
		eq(t, "john everywhere", got[user], 0)
		eq(t, "the address", got[addr] > 0, true)
		eq(t, "jane", got[other], 1)
		eq(t, "john of another tenant", got[otherTenant], 1)
	})
	t.Run("DeleteExpired purges counters", func(t *testing.T) {
		n, err := s.DeleteExpired(c, base.Add(24*time.Hour))
		ok(t, err)
		eq(t, "rows purged", n, int64(4)) // the hammered user, the address, jane, beta's john
		fs, err := s.LoginFailures(c, keys, base)
		eq(t, "counters left", len(counts(t, fs, err)), 0)
	})
}
