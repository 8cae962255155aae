package storetest

import (
	"bytes"
	"fmt"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// graceNext is next with a sealed copy kept until until, as a caller with a
// rotation grace period passes it. The "sealing" is a stand-in: the store
// only keeps the bytes.
func graceNext(token string, until time.Time) *domain.RefreshToken {
	n := next(token, base.Add(2*time.Hour))
	n.Sealed, n.SealedUntil = []byte("sealed "+token), until
	return n
}

// testRefreshGrace pins the rotation grace period: a rotated token
// presented again before its successor's SealedUntil, while that successor
// is unused, gets the successor back and changes nothing; otherwise reuse
// revokes the family as ever.
func testRefreshGrace(t *testing.T, s store.Store) {
	c := ctx(t)
	newTenant(t, s, "acme")
	ok(t, s.CreateUser(c, "acme", &domain.User{ID: "john", Source: domain.SourceLocal}))
	now := base.Add(time.Minute)
	grace := now.Add(30 * time.Second)
	start := func(t *testing.T, tok, family string) {
		t.Helper()
		ok(t, s.CreateRefreshToken(c, "acme", sampleRefresh(tok, family)))
		rot, err := s.RotateRefreshToken(c, "acme", hash(tok), graceNext(tok+"-next", grace), now)
		ok(t, err)
		if rot.Successor != nil {
			t.Fatal("a first rotation reported a successor to hand out again")
		}
	}
	revocations := func(t *testing.T) int {
		rs, err := s.RevocationsSince(c, 0, 0)
		ok(t, err)
		return len(rs)
	}

	t.Run("a retry within the grace gets the same successor", func(t *testing.T) {
		start(t, "a", "fam-a")
		before := revocations(t)
		for _, at := range []time.Time{now, grace.Add(-time.Microsecond)} {
			rot, err := s.RotateRefreshToken(c, "acme", hash("a"), graceNext("a-fork", grace.Add(time.Minute)), at)
			ok(t, err)
			if rot.Successor == nil || !bytes.Equal(rot.Successor.Hash, hash("a-next")) {
				t.Fatalf("successor %+v, want a-next", rot.Successor)
			}
			eq(t, "sealed copy", string(rot.Successor.Sealed), "sealed a-next")
			eqTime(t, "sealed until", rot.Successor.SealedUntil, grace)
			eq(t, "consumed family", rot.Consumed.FamilyID, "fam-a")
			eq(t, "consumed client", rot.Consumed.ClientID, "app1")
			eqList(t, "consumed scopes", rot.Consumed.Scopes, []string{"a", "b"})
			eq(t, "user active", rot.UserActive, true)
		}
		_, err := s.GetRefreshToken(c, "acme", hash("a-fork"), now)
		isErr(t, err, domain.ErrNotFound) // nothing was stored: no fork
		_, err = s.GetRefreshToken(c, "acme", hash("a-next"), now)
		ok(t, err) // and nothing revoked
		eq(t, "revocations", revocations(t), before)
		// The successor then rotates as usual.
		_, err = s.RotateRefreshToken(c, "acme", hash("a-next"), next("a-third", base.Add(2*time.Hour)), now)
		ok(t, err)
	})
	t.Run("after the grace, reuse revokes the family", func(t *testing.T) {
		start(t, "b", "fam-b")
		_, err := s.RotateRefreshToken(c, "acme", hash("b"), graceNext("b-fork", grace.Add(time.Minute)), grace)
		isErr(t, err, domain.ErrTokenReused)
		_, err = s.GetRefreshToken(c, "acme", hash("b-next"), now)
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("once the successor was used, reuse revokes the family", func(t *testing.T) {
		start(t, "c", "fam-c")
		_, err := s.RotateRefreshToken(c, "acme", hash("c-next"), graceNext("c-third", grace), now)
		ok(t, err)
		_, err = s.RotateRefreshToken(c, "acme", hash("c"), graceNext("c-fork", grace), now)
		isErr(t, err, domain.ErrTokenReused)
		_, err = s.GetRefreshToken(c, "acme", hash("c-third"), now)
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("without a sealed copy, reuse revokes at once", func(t *testing.T) {
		ok(t, s.CreateRefreshToken(c, "acme", sampleRefresh("d", "fam-d")))
		_, err := s.RotateRefreshToken(c, "acme", hash("d"), next("d-next", base.Add(2*time.Hour)), now)
		ok(t, err)
		_, err = s.RotateRefreshToken(c, "acme", hash("d"), graceNext("d-fork", grace), now)
		isErr(t, err, domain.ErrTokenReused)
	})
	t.Run("a revoked family has no grace", func(t *testing.T) {
		start(t, "e", "fam-e")
		ok(t, s.RevokeRefreshFamily(c, "acme", "fam-e", base.Add(3*time.Hour)))
		_, err := s.RotateRefreshToken(c, "acme", hash("e"), graceNext("e-fork", grace), now)
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("the purge erases sealed copies whose grace ended", func(t *testing.T) {
		start(t, "f", "fam-f")
		start(t, "g", "fam-g")
		// g's successor gets a longer grace, so the purge keeps its copy.
		ok(t, s.CreateRefreshToken(c, "acme", sampleRefresh("h", "fam-h")))
		_, err := s.RotateRefreshToken(c, "acme", hash("h"), graceNext("h-next", grace.Add(time.Hour)), now)
		ok(t, err)
		n, err := s.DeleteExpired(c, grace)
		ok(t, err)
		eq(t, "copies erased", n, int64(2)) // f-next and g-next; every other copy went with its rotation or family
		// Erased means gone, even for a caller whose clock says the grace
		// lasts: the retry is a reuse now.
		_, err = s.RotateRefreshToken(c, "acme", hash("f"), graceNext("f-fork", grace), now)
		isErr(t, err, domain.ErrTokenReused)
		rot, err := s.RotateRefreshToken(c, "acme", hash("h"), graceNext("h-fork", grace), now)
		ok(t, err)
		if rot.Successor == nil || string(rot.Successor.Sealed) != "sealed h-next" {
			t.Fatalf("the purge erased a copy whose grace lasts: %+v", rot.Successor)
		}
	})
	t.Run("the copy is gone once the successor rotates", func(t *testing.T) {
		// i → i-next → i-third: i-next's copy went with its rotation, so
		// the purge finds nothing left to erase.
		start(t, "i", "fam-i")
		_, err := s.RotateRefreshToken(c, "acme", hash("i-next"), next("i-third", base.Add(2*time.Hour)), now)
		ok(t, err)
		n, err := s.DeleteExpired(c, grace)
		ok(t, err)
		eq(t, "copies left to erase", n, int64(0))
	})
	t.Run("concurrent presentations within the grace get one successor", func(t *testing.T) {
		ok(t, s.CreateRefreshToken(c, "acme", sampleRefresh("j", "fam-j")))
		rots := make([]*domain.Rotation, workers)
		errs := race(func(i int) error {
			var err error
			rots[i], err = s.RotateRefreshToken(c, "acme", hash("j"), graceNext(fmt.Sprint("j-next", i), grace), now)
			return err
		})
		eq(t, "successes", tally(t, errs), workers)
		winner := -1
		for i, r := range rots {
			if r.Successor == nil {
				if winner >= 0 {
					t.Fatalf("rotations %d and %d both stored a successor", winner, i)
				}
				winner = i
			}
		}
		if winner < 0 {
			t.Fatal("no presentation rotated the token")
		}
		want := hash(fmt.Sprint("j-next", winner))
		for i, r := range rots {
			if i != winner && (!bytes.Equal(r.Successor.Hash, want) || string(r.Successor.Sealed) != fmt.Sprint("sealed j-next", winner)) {
				t.Fatalf("presentation %d got another successor than the winner %d", i, winner)
			}
		}
		_, err := s.GetRefreshToken(c, "acme", want, now)
		ok(t, err) // the family lives on
	})
}
