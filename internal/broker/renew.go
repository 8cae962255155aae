package broker

import (
	"context"
	"errors"
	"time"

	"github.com/tollgate-dev/tollgate/internal/audit"
	"github.com/tollgate-dev/tollgate/internal/domain"
)

const (
	// leaseSlack is how much longer than an upstream request the refresh
	// lease lasts: the holder still has to store what it got.
	leaseSlack = 2 * time.Second
	// pollEvery is how often a node waiting for another's refresh reads
	// the database.
	pollEvery = 100 * time.Millisecond
)

// renew replaces p's due token; it runs once per provider at a time on a
// node (the flight). A failure while the old token is still valid serves
// the old one and backs off; otherwise the caller gets the error, and
// nothing of it is kept.
func (b *Broker) renew(ctx context.Context, p *domain.BrokerProvider, s *state) (outcome, error) {
	old := s.tok.Load()
	// A flight that ended just before this one began decided already:
	// with a fresh token, or with a failure whose backoff still runs.
	if now := b.now(); old.fresh(p, now) {
		return outcome{old, resultMemory}, nil
	} else if old.valid(p, now) && s.backingOff(now) {
		return outcome{old, resultStale}, nil
	}
	o, err := b.obtain(ctx, p, s, old)
	if err == nil {
		s.tok.Store(o.e)
		s.succeeded()
		return o, nil
	}
	b.metrics.failures.WithLabelValues(codeOf(err)).Inc()
	if now := b.now(); old.valid(p, now) {
		s.failed(now)
		b.log.WarnContext(ctx, "broker token refresh failed; serving the previous token until it expires", "tenant", p.Tenant,
			"provider", p.ID, "request_id", audit.OriginFrom(ctx).RequestID, "err", err)
		return outcome{old, resultStale}, nil
	}
	return outcome{}, err
}

// codeOf is err's code for the failures metric.
func codeOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return "internal"
}

// obtain finds p's next token: the one another node stored, or a new one
// from the upstream if this node holds the refresh lease. A node that
// does not serves its old token if it can, or polls the database for
// the holder's, up to the upstream timeout.
func (b *Broker) obtain(ctx context.Context, p *domain.BrokerProvider, s *state, old *entry) (outcome, error) {
	deadline := time.Now().Add(b.timeout + leaseSlack)
	for {
		_, e, err := b.stored(ctx, p)
		if err != nil {
			return outcome{}, err
		}
		now := b.now()
		if e.fresh(p, now) {
			return outcome{e, resultDB}, nil
		}
		claimed, err := b.claim(ctx, p, s, now)
		if err != nil {
			return outcome{}, err
		}
		if claimed {
			return b.refresh(ctx, p, s)
		}
		if old.valid(p, now) {
			return outcome{old, resultMemory}, nil
		}
		if time.Now().After(deadline) {
			return outcome{}, timeout(errors.New("another node's refresh did not finish in time"))
		}
		select {
		case <-ctx.Done():
			return outcome{}, timeout(ctx.Err())
		case <-time.After(pollEvery):
		}
	}
}

// claim takes p's refresh lease, or finds that this node still holds it:
// the store has no release but storing a token, so after a failed
// refresh the lease runs on, and only its holder may retry before it
// ends.
func (b *Broker) claim(ctx context.Context, p *domain.BrokerProvider, s *state, now time.Time) (bool, error) {
	if s.leaseUntil.After(now) { // only the flight touches leaseUntil
		return true, nil
	}
	until := now.Add(b.timeout + leaseSlack)
	claimed, err := b.st.ClaimBrokerRefresh(ctx, p.Tenant, p.ID, until, now)
	if claimed {
		s.leaseUntil = until
	}
	return claimed, err
}

// refresh asks the upstream, under the lease, and stores the token for
// the other nodes (which releases the lease).
func (b *Broker) refresh(ctx context.Context, p *domain.BrokerProvider, s *state) (outcome, error) {
	// Another node may have stored its token between our read and our
	// claim: storing it again releases the lease without an upstream call.
	if t, e, err := b.stored(ctx, p); err == nil && e.fresh(p, b.now()) {
		if err := b.st.PutBrokerToken(ctx, t); err != nil {
			b.log.Warn("broker refresh lease not released", "tenant", p.Tenant, "provider", p.ID, "err", err)
		} else {
			s.leaseUntil = time.Time{}
		}
		return outcome{e, resultDB}, nil
	}
	up, err := b.fetch(ctx, p)
	if err != nil {
		return outcome{}, err
	}
	now := b.now()
	e := &entry{token: up.AccessToken, resource: up.Resource, expiresAt: up.ExpiresAt,
		dueAt: dueAt(p, now, up.ExpiresAt), providerUpdatedAt: p.UpdatedAt}
	if e.resource == "" {
		e.resource = p.Resource
	}
	sealed, err := b.sealer.Seal([]byte(e.token), domain.BrokerSealAD(p.Tenant, p.ID, domain.BrokerSealToken))
	if err == nil {
		err = b.st.PutBrokerToken(ctx, &domain.BrokerToken{Tenant: p.Tenant, Provider: p.ID, Sealed: sealed,
			ExpiresAt: e.expiresAt, Resource: e.resource, ObtainedAt: now, ProviderUpdatedAt: p.UpdatedAt})
	}
	if err != nil {
		// This node has its token; the others will wait out the lease and
		// obtain their own.
		b.log.Warn("broker token not stored for the other nodes", "tenant", p.Tenant, "provider", p.ID, "err", err)
	} else {
		s.leaseUntil = time.Time{}
	}
	return outcome{e, resultRefreshed}, nil
}

// stored is the token the database holds for p, as an entry; nil (and no
// error) when there is none, it was obtained under other settings, or it
// does not open.
func (b *Broker) stored(ctx context.Context, p *domain.BrokerProvider) (*domain.BrokerToken, *entry, error) {
	t, err := b.st.GetBrokerToken(ctx, p.Tenant, p.ID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil, nil
	}
	if err != nil {
		return nil, nil, err
	}
	if !t.ProviderUpdatedAt.Equal(p.UpdatedAt) {
		return nil, nil, nil
	}
	tok, err := b.sealer.Open(t.Sealed, domain.BrokerSealAD(p.Tenant, p.ID, domain.BrokerSealToken))
	if err != nil {
		b.log.Warn("stored broker token does not open; obtaining a new one", "tenant", p.Tenant, "provider", p.ID, "err", err)
		return nil, nil, nil
	}
	return t, &entry{token: string(tok), resource: t.Resource, expiresAt: t.ExpiresAt,
		dueAt: dueAt(p, t.ObtainedAt, t.ExpiresAt), providerUpdatedAt: t.ProviderUpdatedAt}, nil
}
