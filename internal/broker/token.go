package broker

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Token is an upstream token as handed out.
type Token struct {
	AccessToken string
	ExpiresOn   time.Time
	// ExpiresIn is what is left of its life at the hand-out.
	ExpiresIn time.Duration
	Resource  string
}

// entry is a cached upstream token: refreshed from dueAt, served until
// expiresAt, and only for the provider settings it was obtained under.
type entry struct {
	token             string
	resource          string
	expiresAt, dueAt  time.Time
	providerUpdatedAt time.Time
}

// fresh: e may be served without a refresh.
func (e *entry) fresh(p *domain.BrokerProvider, now time.Time) bool {
	return e != nil && e.providerUpdatedAt.Equal(p.UpdatedAt) && now.Before(e.dueAt)
}

// valid: e may still be served while its refresh fails.
func (e *entry) valid(p *domain.BrokerProvider, now time.Time) bool {
	return e != nil && e.providerUpdatedAt.Equal(p.UpdatedAt) && now.Before(e.expiresAt)
}

func (e *entry) handout(now time.Time) Token {
	return Token{AccessToken: e.token, ExpiresOn: e.expiresAt, ExpiresIn: e.expiresAt.Sub(now), Resource: e.resource}
}

// dueAt is when a token obtained at obtained and expiring at expires is
// replaced: refreshBefore ahead of its expiry, but never in its first
// half, so a short-lived token is not refreshed on every call.
func dueAt(p *domain.BrokerProvider, obtained, expires time.Time) time.Time {
	before := p.RefreshBefore
	if before <= 0 {
		before = domain.DefaultBrokerRefreshBefore
	}
	return expires.Add(-min(before, expires.Sub(obtained)/2))
}

// state is what a node holds of one provider: its token, read on every
// hand-out without a lock, the backoff of a failing refresh, and until
// when this node holds the refresh lease (read and written only by the
// provider's flight, one at a time).
type state struct {
	tok        atomic.Pointer[entry]
	leaseUntil time.Time

	mu       sync.Mutex
	failures int
	retryAt  time.Time
}

// Backoff of a failing refresh while the old token is still valid.
const (
	firstBackoff = time.Second
	maxBackoff   = time.Minute
)

// failed notes a failed refresh and schedules the next attempt.
func (s *state) failed(now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures++
	s.retryAt = now.Add(min(firstBackoff<<min(s.failures-1, 10), maxBackoff))
}

func (s *state) succeeded() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures, s.retryAt = 0, time.Time{}
}

func (s *state) backingOff(now time.Time) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return now.Before(s.retryAt)
}

func (b *Broker) state(k key) *state {
	if s, ok := b.states.Load(k); ok {
		return s.(*state)
	}
	s, _ := b.states.LoadOrStore(k, &state{})
	return s.(*state)
}

// Token returns tenant's provider id's upstream token: this node's cached
// one while it is fresh, else the database's, else a new one, obtained
// by one request per provider however many callers and nodes ask.
func (b *Broker) Token(ctx context.Context, tenant, id string) (Token, error) {
	p, err := b.Provider(ctx, tenant, id)
	if err != nil {
		return Token{}, err
	}
	return b.token(ctx, p)
}

func (b *Broker) token(ctx context.Context, p *domain.BrokerProvider) (Token, error) {
	k := key{p.Tenant, p.ID}
	s := b.state(k)
	now := b.now()
	old := s.tok.Load()
	if old.fresh(p, now) {
		b.metrics.handouts.WithLabelValues(resultMemory).Inc()
		return old.handout(now), nil
	}
	if old.valid(p, now) && s.backingOff(now) {
		b.metrics.handouts.WithLabelValues(resultStale).Inc()
		return old.handout(now), nil
	}
	ch := b.flight.DoChan(k.tenant+"\x00"+k.id, func() (any, error) {
		// The flight outlives a caller who gives up: the others wait for it.
		ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), b.timeout+leaseSlack)
		defer cancel()
		return b.renew(ctx, p, s)
	})
	select {
	case <-ctx.Done():
		return Token{}, ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return Token{}, r.Err
		}
		o := r.Val.(outcome)
		b.metrics.handouts.WithLabelValues(o.result).Inc()
		return o.e.handout(b.now()), nil
	}
}

// outcome of a renewal: the token and where it came from.
type outcome struct {
	e      *entry
	result string
}
