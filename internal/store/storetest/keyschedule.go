package storetest

import (
	"fmt"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// testScheduledKeys pins automatic rotation's half of the store: which
// keys are due, a successor stored ahead of its start, one successor
// however many nodes schedule at once, and a rotation by hand over a
// scheduled successor.
func testScheduledKeys(t *testing.T, s store.Store) {
	c := ctx(t)
	newTenant(t, s, "acme")
	newTenant(t, s, "beta")
	ok(t, s.CreateSigningKey(c, "acme", sampleKey("a1", base)))
	ok(t, s.CreateSigningKey(c, "beta", sampleKey("b1", base.Add(time.Hour))))
	due := func(before time.Time) []string {
		t.Helper()
		refs, err := s.DueSigningKeys(c, before)
		ok(t, err)
		return ids(refs, func(r domain.KeyUseRef) string { return r.Tenant + "/" + r.Use })
	}
	// signing lists the keys that sign at now (domain.SigningKey.Signs).
	signing := func(tenant string, now time.Time) []string {
		t.Helper()
		ks, err := s.ListSigningKeys(c, tenant, now)
		ok(t, err)
		var out []string
		for _, k := range ks {
			if k.Signs(now) {
				out = append(out, k.ID)
			}
		}
		return out
	}
	start := base.Add(48 * time.Hour) // a1's successor starts here

	t.Run("due: the newest key of the use is old enough", func(t *testing.T) {
		eqList(t, "due before a1", due(base.Add(-time.Second)), nil)
		eqList(t, "due at a1", due(base), []string{"acme/"})
		eqList(t, "due at b1", due(base.Add(time.Hour)), []string{"acme/", "beta/"})
	})
	t.Run("a scheduled key is published ahead and signs from its start", func(t *testing.T) {
		ok(t, s.ScheduleSigningKey(c, "acme", sampleKey("a2", start), start.Add(24*time.Hour), base))
		now := base.Add(24 * time.Hour)
		eqList(t, "published", keyIDs(t, s, "acme", now), []string{"a2", "a1"})
		eqList(t, "signing before the start", signing("acme", now), []string{"a1"})
		eqList(t, "signing at the start", signing("acme", start), []string{"a2"})
		eqList(t, "a1 published a day after", keyIDs(t, s, "acme", start.Add(24*time.Hour-time.Second)), []string{"a2", "a1"})
		eqList(t, "then gone", keyIDs(t, s, "acme", start.Add(24*time.Hour)), []string{"a2"})
		eqList(t, "acme no longer due", due(base.Add(time.Hour)), []string{"beta/"})
	})
	t.Run("scheduling again is a conflict and changes nothing", func(t *testing.T) {
		err := s.ScheduleSigningKey(c, "acme", sampleKey("a3", start), start.Add(24*time.Hour), base)
		isErr(t, err, domain.ErrConflict)
		eqList(t, "published", keyIDs(t, s, "acme", base), []string{"a2", "a1"})
	})
	t.Run("nodes scheduling at once store one successor", func(t *testing.T) {
		bStart := start.Add(time.Hour)
		errs := race(func(i int) error {
			return s.ScheduleSigningKey(c, "beta", sampleKey(fmt.Sprint("b2-", i), bStart), bStart.Add(time.Hour), base.Add(time.Hour))
		})
		eq(t, "successes", tally(t, errs, domain.ErrConflict), 1)
		eq(t, "published keys", len(keyIDs(t, s, "beta", base.Add(time.Hour))), 2)
		eqList(t, "signing after the start", signing("beta", bStart), []string{keyIDs(t, s, "beta", bStart)[0]})
	})
	t.Run("a rotation by hand retires the scheduled key before it signs", func(t *testing.T) {
		now := base.Add(30 * time.Hour)
		ok(t, s.RotateSigningKey(c, "acme", sampleKey("a4", now), now.Add(24*time.Hour)))
		eqList(t, "signing now", signing("acme", now), []string{"a4"})
		eqList(t, "signing past a2's start", signing("acme", start), []string{"a4"})
		eqList(t, "published until the window ends", keyIDs(t, s, "acme", now), []string{"a2", "a4", "a1"})
		eqList(t, "then only a4", keyIDs(t, s, "acme", now.Add(24*time.Hour)), []string{"a4"})
	})
}
