package admin

import (
	"context"
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

// GatewayKeys returns tenant's published keys without their private
// halves: a remote gateway only verifies.
func (s *Service) GatewayKeys(ctx context.Context, p Principal, tenant string) ([]domain.SigningKey, error) {
	if err := CanReadGatewayFeed(p); err != nil {
		return nil, err
	}
	keys, err := s.store.ListSigningKeys(ctx, tenant, s.now())
	if err != nil {
		return nil, err
	}
	for i := range keys {
		keys[i].PrivateKey = nil
	}
	return keys, nil
}

// gatewayPollEvery is how often a waiting revocation request looks for
// news; it bounds how late a remote gateway learns of a revocation.
const gatewayPollEvery = 200 * time.Millisecond

// GatewayRevocations returns revocations after seq; when there are none
// it waits up to wait for one (a long poll), so remote gateways learn of
// a revocation within a fraction of a second without a request each.
func (s *Service) GatewayRevocations(ctx context.Context, p Principal, after int64, limit int, wait time.Duration) ([]domain.Revocation, error) {
	if err := CanReadGatewayFeed(p); err != nil {
		return nil, err
	}
	deadline := time.Now().Add(wait)
	for {
		revs, err := s.store.RevocationsSince(ctx, after, limit)
		if err != nil || len(revs) > 0 || !time.Now().Before(deadline) {
			return revs, err
		}
		select {
		case <-ctx.Done():
			return nil, nil
		case <-s.FeedDone:
			return nil, nil // shutting down: the gateway asks again elsewhere
		case <-time.After(gatewayPollEvery):
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
