package storetest

import (
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// testAPITokenPurge: DeleteExpired removes an API token only once it has
// been expired for longer than domain.APITokenPurgeGrace, in every tenant,
// and never one without expiry.
func testAPITokenPurge(t *testing.T, s store.Store) {
	c := ctx(t)
	for _, tenant := range []string{"acme", "other"} {
		newTenant(t, s, tenant)
		defineSamples(t, s, tenant)
		ok(t, s.CreateUser(c, tenant, sampleUser("john")))
	}
	now := base.Add(60 * 24 * time.Hour)
	grace := domain.APITokenPurgeGrace
	tokens := []struct {
		tenant, id string
		expires    *time.Time // relative to now; nil: no expiry
		purged     bool
	}{
		{"acme", "expired-8-days-ago", at(now.Add(-8 * 24 * time.Hour)), true},
		{"acme", "expired-at-the-grace", at(now.Add(-grace)), true},
		{"other", "expired-8-days-ago", at(now.Add(-8 * 24 * time.Hour)), true},
		{"acme", "expired-1-day-ago", at(now.Add(-24 * time.Hour)), false},
		{"acme", "expired-just-inside-the-grace", at(now.Add(-grace + time.Second)), false},
		{"acme", "live", at(now.Add(time.Hour)), false},
		{"acme", "no-expiry", nil, false},
	}
	want := int64(0)
	for _, tok := range tokens {
		in := &domain.APIToken{UserID: "john", ID: tok.id, Hash: hash(tok.tenant + tok.id),
			ExpiresAt: tok.expires, CreatedAt: base}
		ok(t, s.CreateAPIToken(c, tok.tenant, in))
		if tok.purged {
			want++
		}
	}
	revs, err := s.RevocationsSince(c, 0, 0)
	ok(t, err)

	n, err := s.DeleteExpired(c, now)
	ok(t, err)
	eq(t, "rows deleted", n, want)
	for _, tok := range tokens {
		_, err := s.GetAPIToken(c, tok.tenant, "john", tok.id)
		if tok.purged {
			isErr(t, err, domain.ErrNotFound)
		} else if err != nil {
			t.Fatalf("%s/%s purged: %v", tok.tenant, tok.id, err)
		}
	}
	// Long expired, the tokens fail anyway: the purge records no revocation.
	after, err := s.RevocationsSince(c, 0, 0)
	ok(t, err)
	eq(t, "revocations", len(after), len(revs))
	n, err = s.DeleteExpired(c, now)
	ok(t, err)
	eq(t, "second run", n, int64(0))
}

func at(t time.Time) *time.Time { return &t }
