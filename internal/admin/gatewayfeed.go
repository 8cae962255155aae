package admin

import (
	"context"
	"slices"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// The feed of remote gateways (`tollgate gateway --key-manager`): every
// tenant's APIs, public keys and revocations. It spans tenants, so only
// the bootstrap token and gateway credentials may read it.

// GatewayAPIs returns every tenant's APIs.
func (s *Service) GatewayAPIs(ctx context.Context, p Principal) ([]domain.API, error) {
	if err := CanReadGatewayFeed(p); err != nil {
		return nil, err
	}
	return s.store.AllAPIs(ctx)
}

// GatewayKeys returns tenant's published access-token keys without their
// private halves: a remote gateway only verifies access tokens, which an
// ID-token key (domain.KeyUseIDToken) never signs.
func (s *Service) GatewayKeys(ctx context.Context, p Principal, tenant string) ([]domain.SigningKey, error) {
	if err := CanReadGatewayFeed(p); err != nil {
		return nil, err
	}
	keys, err := s.store.ListSigningKeys(ctx, tenant, s.Now())
	if err != nil {
		return nil, err
	}
	keys = slices.DeleteFunc(keys, func(k domain.SigningKey) bool { return k.Use != domain.KeyUseTokens })
	for i := range keys {
		keys[i].PrivateKey = nil
	}
	return keys, nil
}

// gatewayPollEvery bounds how long a waiting feed request goes without
// looking for news when nothing wakes it: a revocation made on this node
// of a single-node store wakes no one.
const gatewayPollEvery = 200 * time.Millisecond

// GatewayRevocations returns revocations after seq; when there are none
// it waits up to wait for one (a long poll), so remote gateways learn of
// a revocation within a fraction of a second without a request each.
func (s *Service) GatewayRevocations(ctx context.Context, p Principal, after int64, limit int, wait time.Duration) ([]domain.Revocation, error) {
	if err := CanReadGatewayFeed(p); err != nil {
		return nil, err
	}
	return longPoll(ctx, s, wait, func() ([]domain.Revocation, error) { return s.store.RevocationsSince(ctx, after, limit) })
}

// GatewayChanges returns the changes after seq, waiting up to wait for
// one like GatewayRevocations, and the feed's position, where a remote
// gateway that has just loaded everything starts following.
func (s *Service) GatewayChanges(ctx context.Context, p Principal, after int64, limit int, wait time.Duration) ([]domain.Change, int64, error) {
	if err := CanReadGatewayFeed(p); err != nil {
		return nil, 0, err
	}
	changes, err := longPoll(ctx, s, wait, func() ([]domain.Change, error) { return s.store.ChangesSince(ctx, after, limit) })
	if err != nil {
		return nil, 0, err
	}
	if n := len(changes); n > 0 {
		// In effect here first: the gateway, once it has dropped its
		// cache, asks this node, whose answers must not be older.
		if s.feed != nil {
			if err := s.feed.CatchUp(ctx); err != nil {
				return nil, 0, hungUp(ctx, err)
			}
		}
		return changes, changes[n-1].Seq, nil
	}
	pos, err := s.store.FeedPosition(ctx)
	return nil, pos, hungUp(ctx, err)
}

// hungUp is err unless the request's context ended, when no one reads
// the answer and the error is no fault of the server's.
func hungUp(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return nil
	}
	return err
}

// GatewayFeedPosition returns the newest seq of the change feed.
func (s *Service) GatewayFeedPosition(ctx context.Context, p Principal) (int64, error) {
	if err := CanReadGatewayFeed(p); err != nil {
		return 0, err
	}
	return s.store.FeedPosition(ctx)
}

// longPoll calls read until it finds something or wait has passed,
// again whenever the feed may have news and at least every
// gatewayPollEvery. A shutdown ends the wait with nothing.
func longPoll[T any](ctx context.Context, s *Service, wait time.Duration, read func() ([]T, error)) ([]T, error) {
	deadline := time.Now().Add(wait)
	for {
		var woken <-chan struct{}
		if s.feed != nil {
			woken = s.feed.Woken() // before reading, so no news is missed
		}
		xs, err := read()
		if ctx.Err() != nil {
			return nil, nil // the gateway hung up; no one reads the answer
		}
		if err != nil || len(xs) > 0 || !time.Now().Before(deadline) {
			return xs, err
		}
		select {
		case <-ctx.Done():
			return nil, nil
		case <-s.draining:
			return nil, nil // shutting down: the gateway asks again elsewhere
		case <-woken:
		case <-time.After(min(gatewayPollEvery, time.Until(deadline))):
		}
	}
}

// CanReadGatewayFeed returns ErrForbidden unless p is the bootstrap
// principal or a gateway credential.
func CanReadGatewayFeed(p Principal) error {
	if p.Bootstrap || p.GatewayCredential != "" {
		return nil
	}
	return ErrForbidden
}
