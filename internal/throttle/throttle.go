// Package throttle limits password guessing for every way of signing in
// (the password grant now, the browser sign-in page next). It owns the
// policy and this node's view of the failure counters, which all nodes
// share through the store:
//
//   - a hard limit per username at one address: past it, that address
//     may not try that username until the window has passed;
//   - a hard limit per address, across usernames, so spreading guesses
//     over many names does not get around the first;
//   - a higher limit per username across all addresses, past which each
//     attempt must wait a delay that doubles with every failure. It never
//     locks: strangers cannot keep a user out, and the right password
//     works once the delay has passed.
//
// Refusals depend only on the counters, never on whether the user exists.
package throttle

import (
	"context"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// Limits is the policy.
type Limits struct {
	// Window: a counter is forgotten this long after its last failure.
	Window time.Duration
	// PerUserAddr failures of a username from one address refuse further
	// attempts from there until the window has passed.
	PerUserAddr int
	// PerAddr failures from one address, whatever the usernames and
	// tenants, refuse that address likewise.
	PerAddr int
	// PerUser failures of a username from all addresses start the delay:
	// BaseDelay after the last failure, doubling with each failure beyond,
	// at most MaxDelay.
	PerUser             int
	BaseDelay, MaxDelay time.Duration
	// Fresh is how long this node trusts a clean counter it read from the
	// store; one with failures is read on every attempt. With a single
	// node (SQLite) it may be the window.
	Fresh time.Duration
}

// DefaultLimits suits a public token endpoint.
func DefaultLimits() Limits {
	return Limits{
		Window:      15 * time.Minute,
		PerUserAddr: 10,
		PerAddr:     100,
		PerUser:     20,
		BaseDelay:   time.Second,
		MaxDelay:    time.Minute,
		Fresh:       time.Second,
	}
}

// maxKnown bounds this node's counters; evicted ones are read again.
const maxKnown = 100_000

// Limiter applies Limits. Create it once per process: it keeps attempts
// in flight, so concurrent guesses count before they are checked.
type Limiter struct {
	store  store.Store
	limits Limits
	now    func() time.Time

	mu    sync.Mutex
	known map[domain.ThrottleKey]*counter
}

// counter is this node's view of one store counter, plus the attempts it
// admitted and has not ended yet.
type counter struct {
	count         int
	last, expires time.Time
	read          time.Time // when the store last told us
	inflight      int
}

// New returns a Limiter keeping its counters in st.
func New(st store.Store, l Limits) *Limiter {
	return &Limiter{store: st, limits: l, now: time.Now, known: map[domain.ThrottleKey]*counter{}}
}

// LimitedError refuses an attempt; RetryAfter is whole seconds, at least 1.
type LimitedError struct{ RetryAfter time.Duration }

func (e *LimitedError) Error() string { return "sign-in attempts are temporarily limited" }

// Pass is an admitted attempt. End it with Failed when the credentials
// were wrong, and always with Done.
type Pass struct {
	l     *Limiter
	keys  []domain.ThrottleKey
	ended bool
}

// Admit decides whether tenant's username may be tried from addr now. It
// reads the store only when this node's counters are older than Fresh.
func (l *Limiter) Admit(ctx context.Context, tenant, username, addr string) (*Pass, error) {
	ks := keys(tenant, username, addr)
	now := l.now()
	if l.stale(ks, now) {
		fs, err := l.store.LoginFailures(ctx, ks, now)
		if err != nil {
			return nil, err
		}
		l.mu.Lock()
		l.learn(ks, fs, now)
		l.mu.Unlock()
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	ua, u, a := l.counter(ks[0]), l.counter(ks[1]), l.counter(ks[2])
	if w := l.limits.wait(now, ua, u, a); w > 0 {
		return nil, &LimitedError{RetryAfter: (w + time.Second - 1).Truncate(time.Second)}
	}
	ua.inflight++
	u.inflight++
	a.inflight++
	return &Pass{l: l, keys: ks}, nil
}

// Failed records the attempt as a failure on every node's counters.
func (p *Pass) Failed(ctx context.Context) error {
	if p.ended {
		return nil
	}
	l := p.l
	now := l.now()
	fs, err := l.store.AddLoginFailure(ctx, p.keys, now, l.limits.Window)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err == nil {
		l.learn(p.keys, fs, now)
	}
	p.end()
	return err
}

// Done ends the attempt; after Failed it does nothing.
func (p *Pass) Done() {
	if p.ended {
		return
	}
	p.l.mu.Lock()
	p.end()
	p.l.mu.Unlock()
}

// end releases the attempt's place; l.mu is held.
func (p *Pass) end() {
	p.ended = true
	for _, k := range p.keys {
		if c := p.l.known[k]; c != nil && c.inflight > 0 {
			c.inflight--
		}
	}
}

// Clear forgets tenant's username's failures on every node (an admin's
// unlock); this node forgets its view at once, others within Fresh.
func (l *Limiter) Clear(ctx context.Context, tenant, username string) error {
	username = strings.ToLower(username)
	if err := l.store.ClearLoginFailures(ctx, tenant, username); err != nil {
		return err
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	for k, c := range l.known {
		if k.Tenant == tenant && k.Username == username {
			c.count, c.last, c.expires = 0, time.Time{}, time.Time{}
		}
	}
	return nil
}

// keys are the counters of one attempt: username at address, username,
// address. Usernames compare case-insensitively.
func keys(tenant, username, addr string) []domain.ThrottleKey {
	u, a := strings.ToLower(username), addrKey(addr)
	return []domain.ThrottleKey{{Tenant: tenant, Username: u, Addr: a}, {Tenant: tenant, Username: u}, {Addr: a}}
}

// addrKey groups IPv6 addresses by /64, the block one subscriber usually
// holds, so cycling through it does not reset the address's limits.
func addrKey(addr string) string {
	ip, err := netip.ParseAddr(addr)
	if err != nil {
		if addr == "" {
			return "unknown"
		}
		return addr
	}
	ip = ip.Unmap()
	if ip.Is6() {
		p, _ := ip.Prefix(64)
		return p.String()
	}
	return ip.String()
}

// stale reports whether this node must read ks from the store. A counter
// with live failures is read every time: other nodes may have added the
// ones that reach its limit, and failures spread over nodes must count as
// on one node at once, not after Fresh. Clean counters, the common case
// of a user who signs in, keep the cheap path.
func (l *Limiter) stale(ks []domain.ThrottleKey, now time.Time) bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range ks {
		c := l.known[k]
		if c == nil || c.live(now) > 0 || now.Sub(c.read) >= l.limits.Fresh {
			return true
		}
	}
	return false
}

// learn takes what the store said at now about ks; l.mu is held. A
// counter the store no longer has was cleared or expired; one that this
// node changed meanwhile (a later last failure) keeps the newer state.
func (l *Limiter) learn(ks []domain.ThrottleKey, fs []domain.LoginFailures, now time.Time) {
	for _, k := range ks {
		c := l.counter(k)
		c.read = now
		i := indexOf(fs, k)
		switch {
		case i < 0 && !c.last.After(now):
			c.count, c.last, c.expires = 0, time.Time{}, time.Time{}
		case i >= 0 && (fs[i].Last.After(c.last) || fs[i].Last.Equal(c.last) && fs[i].Count > c.count):
			c.count, c.last, c.expires = fs[i].Count, fs[i].Last, fs[i].ExpiresAt
		}
	}
}

func indexOf(fs []domain.LoginFailures, k domain.ThrottleKey) int {
	for i := range fs {
		if fs[i].Key == k {
			return i
		}
	}
	return -1
}

// counter returns k's counter, creating it; l.mu is held.
func (l *Limiter) counter(k domain.ThrottleKey) *counter {
	if c := l.known[k]; c != nil {
		return c
	}
	if len(l.known) >= maxKnown {
		l.evict()
	}
	c := &counter{}
	l.known[k] = c
	return c
}

// evict drops counters with no attempt in flight, expired ones first;
// the store still has them. l.mu is held.
func (l *Limiter) evict() {
	now := l.now()
	for k, c := range l.known {
		if c.inflight == 0 && !c.expires.After(now) {
			delete(l.known, k)
		}
	}
	for k, c := range l.known {
		if len(l.known) < maxKnown-maxKnown/10 {
			return
		}
		if c.inflight == 0 {
			delete(l.known, k)
		}
	}
}

// wait is how long an attempt must wait given its counters, 0 if it may
// go ahead. Once a counter has a failure, attempts in flight count as
// failures until they end, so parallel guesses cannot all pass before the
// first is recorded; before that they do not, so a service signing one
// user in many times at once is never held up.
func (l Limits) wait(now time.Time, ua, u, a *counter) time.Duration {
	w := max(hardWait(now, ua, l.PerUserAddr), hardWait(now, a, l.PerAddr))
	if n := u.live(now); n >= l.PerUser {
		d := l.delay(n)
		if u.inflight > 0 {
			w = max(w, d) // one checked attempt at a time while delayed
		} else {
			w = max(w, u.last.Add(d).Sub(now))
		}
	}
	return w
}

// hardWait: until the counter expires once it has reached limit; a second
// when attempts in flight reach it, since they end soon.
func hardWait(now time.Time, c *counter, limit int) time.Duration {
	switch n := c.live(now); {
	case n >= limit:
		return c.expires.Sub(now)
	case n > 0 && n+c.inflight >= limit:
		return time.Second
	}
	return 0
}

// delay after n failures of a username, n ≥ PerUser.
func (l Limits) delay(n int) time.Duration {
	d := l.BaseDelay << min(n-l.PerUser, 20)
	return min(d, l.MaxDelay)
}

func (c *counter) live(now time.Time) int {
	if c.expires.After(now) {
		return c.count
	}
	return 0
}
