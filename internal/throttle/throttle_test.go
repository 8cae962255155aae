package throttle

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore/sqltest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

var testLimits = Limits{
	Window: 15 * time.Minute, PerUserAddr: 3, PerAddr: 10, PerUser: 6,
	BaseDelay: time.Second, MaxDelay: 8 * time.Second, Fresh: time.Second,
}

// clock is a settable time shared by the limiters of one test.
type clock struct{ t time.Time }

func (c *clock) now() time.Time          { return c.t }
func (c *clock) advance(d time.Duration) { c.t = c.t.Add(d) }
func newClock() *clock                   { return &clock{time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)} }
func ctx(t *testing.T) context.Context   { return t.Context() }
func nodeOn(st store.Store, c *clock) *Limiter {
	l := New(st, testLimits)
	l.now = c.now
	return l
}

// forEachStore runs f on SQLite, and on PostgreSQL when enabled.
func forEachStore(t *testing.T, f func(t *testing.T, st store.Store)) {
	sqltest.ForEach(t, func(t *testing.T, st *sqlstore.Store) { f(t, st) })
}

// try admits an attempt and, when admitted, ends it as a failure (wrong
// password) or a success; it returns the refusal, if any.
func try(t *testing.T, l *Limiter, user, addr string, wrong bool) *LimitedError {
	t.Helper()
	p, err := l.Admit(ctx(t), "acme", user, addr)
	var le *LimitedError
	if errors.As(err, &le) {
		return le
	}
	if err != nil {
		t.Fatal(err)
	}
	if wrong {
		if err := p.Failed(ctx(t)); err != nil {
			t.Fatal(err)
		}
	}
	p.Done()
	return nil
}

func TestPerUserAddressLimit(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		c := newClock()
		l := nodeOn(st, c)
		for i := range testLimits.PerUserAddr {
			if le := try(t, l, "john", "192.0.2.1", true); le != nil {
				t.Fatalf("failure %d refused", i+1)
			}
		}
		le := try(t, l, "John", "192.0.2.1", false) // the right password, other case
		if le == nil || le.RetryAfter != testLimits.Window {
			t.Fatalf("past the limit: %+v, want a refusal for the window", le)
		}
		if le := try(t, l, "john", "192.0.2.2", false); le != nil {
			t.Fatalf("another address refused: %+v", le)
		}
		c.advance(testLimits.Window)
		if le := try(t, l, "john", "192.0.2.1", false); le != nil {
			t.Fatalf("refused after the window: %+v", le)
		}
	})
}

// The per-address limit: failures spread over many usernames from one
// address, none reaching its per-user limit, still stop that address, and
// another address is unaffected.
func TestPerAddressLimit(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		l := nodeOn(st, newClock())
		for i := range testLimits.PerAddr {
			if le := try(t, l, fmt.Sprint("user", i%5), "198.51.100.7", true); le != nil {
				t.Fatalf("failure %d refused: %+v", i+1, le)
			}
		}
		if le := try(t, l, "fresh.name", "198.51.100.7", false); le == nil {
			t.Fatal("an address past its limit may still try")
		}
		if le := try(t, l, "user0", "198.51.100.8", false); le != nil {
			t.Fatalf("another address refused: %+v", le)
		}
		// IPv6 addresses count per /64.
		for i := range testLimits.PerAddr {
			try(t, l, fmt.Sprint("v6user", i%5), fmt.Sprintf("2001:db8::%x", i+1), true)
		}
		if le := try(t, l, "fresh.name", "2001:db8::ffff", false); le == nil {
			t.Fatal("cycling through a /64 escapes the address limit")
		}
	})
}

// Across addresses a username is delayed, never locked: after the delay
// the right password works, and the delay doubles with each failure.
func TestPerUserDelay(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		c := newClock()
		l := nodeOn(st, c)
		for i := range testLimits.PerUser {
			if le := try(t, l, "jane", fmt.Sprint("203.0.113.", i), true); le != nil {
				t.Fatalf("failure %d refused: %+v", i+1, le)
			}
		}
		for i, want := range []time.Duration{time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second, 8 * time.Second} {
			le := try(t, l, "jane", "203.0.113.200", false)
			if le == nil || le.RetryAfter != want {
				t.Fatalf("delayed attempt: %+v, want Retry-After %v", le, want)
			}
			c.advance(want)
			if le := try(t, l, "jane", fmt.Sprint("203.0.113.", 100+i), true); le != nil { // a stranger's guess
				t.Fatalf("refused after the delay: %+v", le)
			}
		}
		c.advance(8 * time.Second)
		if le := try(t, l, "jane", "203.0.113.200", false); le != nil {
			t.Fatalf("the right password after the delay: %+v", le)
		}
	})
}

// Once a username has failed at an address, attempts in flight count, so
// parallel guesses cannot all pass before the first failure is recorded.
// Without failures they do not: one user signing in many times at once
// from one address is never held up.
func TestAttemptsInFlight(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		l := nodeOn(st, newClock())
		admit := func(n int) []*Pass {
			var passes []*Pass
			for i := range n {
				p, err := l.Admit(ctx(t), "acme", "john", "192.0.2.1")
				if err != nil {
					t.Fatalf("attempt %d in flight: %v", i+1, err)
				}
				passes = append(passes, p)
			}
			return passes
		}
		for _, p := range admit(3 * testLimits.PerAddr) { // all succeed
			p.Done()
		}
		try(t, l, "john", "192.0.2.1", true)
		passes := admit(testLimits.PerUserAddr - 1)
		if _, err := l.Admit(ctx(t), "acme", "john", "192.0.2.1"); err == nil {
			t.Fatal("admitted beyond the limit while attempts are in flight")
		}
		for _, p := range passes {
			p.Done()
		}
		if le := try(t, l, "john", "192.0.2.1", false); le != nil {
			t.Fatalf("refused after the attempts ended well: %+v", le)
		}
	})
}

// Counters are shared: failures on one node limit the other once its
// view is older than Fresh, and an unlock on one node frees both.
func TestNodesShareCounters(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		c := newClock()
		a, b := nodeOn(st, c), nodeOn(st, c)
		if le := try(t, b, "john", "192.0.2.1", false); le != nil { // b reads: clean
			t.Fatal(le)
		}
		for range testLimits.PerUserAddr {
			try(t, a, "john", "192.0.2.1", true)
		}
		c.advance(testLimits.Fresh)
		if le := try(t, b, "john", "192.0.2.1", false); le == nil {
			t.Fatal("node b ignores node a's failures")
		}
		if err := b.Clear(ctx(t), "acme", "JOHN"); err != nil {
			t.Fatal(err)
		}
		if le := try(t, b, "john", "192.0.2.1", false); le != nil {
			t.Fatalf("refused on the unlocking node: %+v", le)
		}
		c.advance(testLimits.Fresh)
		if le := try(t, a, "john", "192.0.2.1", false); le != nil {
			t.Fatalf("refused on the other node after Fresh: %+v", le)
		}
		fs, err := st.LoginFailures(ctx(t), []domain.ThrottleKey{{Addr: "192.0.2.1"}}, c.now())
		if err != nil || len(fs) != 1 || fs[0].Count != testLimits.PerUserAddr {
			t.Fatalf("the address's own counter after an unlock: %+v %v", fs, err)
		}
	})
}

// Failures spread over nodes count as on one node at once, not after
// Fresh: a node that has seen a failure of a counter rereads it, so the
// attempt after the limit is refused on every node.
func TestFailuresSpreadOverNodes(t *testing.T) {
	forEachStore(t, func(t *testing.T, st store.Store) {
		c := newClock()
		nodes := []*Limiter{nodeOn(st, c), nodeOn(st, c)}
		for i := range testLimits.PerUserAddr {
			if le := try(t, nodes[i%2], "john", "192.0.2.1", true); le != nil {
				t.Fatalf("failure %d refused: %+v", i+1, le)
			}
		}
		for i, l := range nodes {
			if le := try(t, l, "john", "192.0.2.1", false); le == nil {
				t.Fatalf("node %d admits attempt %d from the guessing address", i+1, testLimits.PerUserAddr+1)
			}
		}
	})
}
