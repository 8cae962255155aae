package storetest

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

const workers = 8

// race runs fn in workers goroutines released together and returns their
// errors.
func race(fn func(i int) error) []error {
	errs := make([]error, workers)
	var start, done sync.WaitGroup
	start.Add(1)
	for i := range workers {
		done.Add(1)
		go func() {
			defer done.Done()
			start.Wait()
			errs[i] = fn(i)
		}()
	}
	start.Done()
	done.Wait()
	return errs
}

// tally counts nil errors and fails on errors outside allowed.
func tally(t *testing.T, errs []error, allowed ...error) int {
	t.Helper()
	n := 0
	for _, err := range errs {
		if err == nil {
			n++
			continue
		}
		known := false
		for _, a := range allowed {
			known = known || errors.Is(err, a)
		}
		if !known {
			t.Fatalf("unexpected error: %v", err)
		}
	}
	return n
}

func testConcurrency(t *testing.T, s store.Store) {
	c := ctx(t)
	newTenant(t, s, "acme")
	defineSamples(t, s, "acme")
	now := base.Add(time.Minute)

	t.Run("concurrent rotation of one token: exactly one wins", func(t *testing.T) {
		ok(t, s.CreateRefreshToken(c, "acme", sampleRefresh("shared", "famx")))
		errs := race(func(i int) error {
			_, err := s.RotateRefreshToken(c, "acme", hash("shared"), next(fmt.Sprint("succ", i), now.Add(time.Hour)), now)
			return err
		})
		eq(t, "successes", tally(t, errs, domain.ErrTokenReused, domain.ErrNotFound), 1)
		// A loser replayed the token, so the winner's successor is revoked.
		for i := range workers {
			_, err := s.GetRefreshToken(c, "acme", hash(fmt.Sprint("succ", i)), now)
			isErr(t, err, domain.ErrNotFound)
		}
	})
	t.Run("concurrent replays across one family", func(t *testing.T) {
		// Chain c0 → c1 → … → c4: c0..c3 are rotated, c4 is live. Replaying
		// several old tokens at once must revoke the family without any
		// error other than reuse (e.g. no deadlock surfacing).
		ok(t, s.CreateRefreshToken(c, "acme", sampleRefresh("c0", "famchain")))
		for i := range 4 {
			_, err := s.RotateRefreshToken(c, "acme", hash(fmt.Sprint("c", i)), next(fmt.Sprint("c", i+1), now.Add(time.Hour)), now)
			ok(t, err)
		}
		errs := race(func(i int) error {
			_, err := s.RotateRefreshToken(c, "acme", hash(fmt.Sprint("c", i%4)), next(fmt.Sprint("cx", i), now.Add(time.Hour)), now)
			return err
		})
		eq(t, "successes", tally(t, errs, domain.ErrTokenReused, domain.ErrNotFound), 0)
		reused := 0
		for _, err := range errs {
			if errors.Is(err, domain.ErrTokenReused) {
				reused++
			}
		}
		if reused == 0 {
			t.Fatal("no replay reported ErrTokenReused")
		}
		_, err := s.GetRefreshToken(c, "acme", hash("c4"), now)
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("concurrent rotations of different tokens all win", func(t *testing.T) {
		for i := range workers {
			ok(t, s.CreateRefreshToken(c, "acme", sampleRefresh(fmt.Sprint("own", i), fmt.Sprint("famown", i))))
		}
		errs := race(func(i int) error {
			_, err := s.RotateRefreshToken(c, "acme", hash(fmt.Sprint("own", i)), next(fmt.Sprint("ownsucc", i), now.Add(time.Hour)), now)
			return err
		})
		eq(t, "successes", tally(t, errs), workers)
	})
	t.Run("password hash compare-and-swap: one winner", func(t *testing.T) {
		ok(t, s.CreateUser(c, "acme", sampleUser("cas")))
		errs := race(func(i int) error {
			return s.SetPasswordHash(c, "acme", "cas", "$argon2id$old", fmt.Sprint("new", i))
		})
		eq(t, "successes", tally(t, errs, domain.ErrConflict), 1)
		u, err := s.GetUser(c, "acme", "cas")
		ok(t, err)
		for i, err := range errs {
			if err == nil {
				eq(t, "winner's hash", u.PasswordHash, fmt.Sprint("new", i))
			}
		}
	})
	t.Run("concurrent creates of one id: one winner, rest ErrConflict", func(t *testing.T) {
		errs := race(func(int) error { return s.CreateUser(c, "acme", sampleUser("same")) })
		eq(t, "user successes", tally(t, errs, domain.ErrConflict), 1)
		errs = race(func(int) error { return s.CreateApplication(c, "acme", sampleApp("same")) })
		eq(t, "app successes", tally(t, errs, domain.ErrConflict), 1)
		errs = race(func(int) error { return s.CreateTenant(c, &domain.Tenant{ID: "same", Name: "x"}) })
		eq(t, "tenant successes", tally(t, errs, domain.ErrConflict), 1)
	})
	t.Run("concurrent key rotations: one active key, none lost", func(t *testing.T) {
		ok(t, s.CreateSigningKey(c, "acme", sampleKey("rot", base)))
		errs := race(func(i int) error {
			return s.RotateSigningKey(c, "acme", sampleKey(fmt.Sprint("rot", i), base.Add(time.Duration(i+1)*time.Second)), now.Add(time.Hour))
		})
		eq(t, "successes", tally(t, errs), workers)
		ks, err := s.ListSigningKeys(c, "acme", now)
		ok(t, err)
		active := 0
		for _, k := range ks {
			if k.RetiredAt == nil {
				active++
			}
		}
		eq(t, "active keys", active, 1)
		eq(t, "published keys", len(ks), workers+1)
	})
	t.Run("concurrent revocations get distinct increasing seqs", func(t *testing.T) {
		seqs := make([]int64, workers)
		errs := race(func(i int) error {
			r := &domain.Revocation{Tenant: "acme", Kind: domain.RevokeTokenID, Value: fmt.Sprint(i), ExpiresAt: now}
			err := s.AddRevocation(c, r)
			seqs[i] = r.Seq
			return err
		})
		eq(t, "successes", tally(t, errs), workers)
		rs, err := s.RevocationsSince(c, 0, 0)
		ok(t, err)
		seen := map[int64]bool{}
		for i, r := range rs {
			if i > 0 && r.Seq <= rs[i-1].Seq {
				t.Fatalf("seq order broken: %d after %d", r.Seq, rs[i-1].Seq)
			}
			seen[r.Seq] = true
		}
		for _, q := range seqs {
			if !seen[q] {
				t.Fatalf("seq %d returned by AddRevocation not listed", q)
			}
		}
	})
}
