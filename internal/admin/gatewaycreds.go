package admin

import (
	"context"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// Gateway credentials let remote gateways read the gateway feed without
// the bootstrap token. They span tenants, so only the bootstrap token
// manages them; their audit events are filed under the default tenant.

// CreateGatewayCredential makes credential id and returns its record and
// the credential string, which exists nowhere else: only its hash is
// stored.
func (s *Service) CreateGatewayCredential(ctx context.Context, p Principal, id, description string) (*domain.GatewayCredential, string, error) {
	if err := canBootstrap(p); err != nil {
		return nil, "", err
	}
	c := &domain.GatewayCredential{ID: id, Description: description, CreatedAt: s.Now()}
	if err := domain.ValidateGatewayCredential(c); err != nil {
		return nil, "", err
	}
	raw, err := token.NewOpaque(token.PrefixGateway)
	if err != nil {
		return nil, "", err
	}
	c.Hash = secret.HashToken(raw)
	if err := s.store.CreateGatewayCredential(ctx, c); err != nil {
		return nil, "", err
	}
	s.changed(ctx, p, domain.DefaultTenant, "gatewayCredential.create", id, nil)
	return c, raw, nil
}

// GetGatewayCredential returns one credential's record (never the
// credential itself).
func (s *Service) GetGatewayCredential(ctx context.Context, p Principal, id string) (*domain.GatewayCredential, error) {
	if err := canBootstrap(p); err != nil {
		return nil, err
	}
	return s.store.GetGatewayCredential(ctx, id)
}

// ListGatewayCredentials returns a page of credentials and the next cursor.
func (s *Service) ListGatewayCredentials(ctx context.Context, p Principal, pg domain.Page) ([]domain.GatewayCredential, string, error) {
	if err := canBootstrap(p); err != nil {
		return nil, "", err
	}
	pg = pageOf(pg)
	xs, err := s.store.ListGatewayCredentials(ctx, pg)
	if err != nil {
		return nil, "", err
	}
	xs, next := trimPage(xs, pg, func(x *domain.GatewayCredential) string { return x.ID })
	return xs, next, nil
}

// DeleteGatewayCredential deletes a credential; it is refused from the
// next request on this node (changed catches up on its revocation) and
// within a second on the others, which follow the revocation set.
func (s *Service) DeleteGatewayCredential(ctx context.Context, p Principal, id string) error {
	if err := canBootstrap(p); err != nil {
		return err
	}
	// Held as long as a deleted API token's revocation: far longer than
	// any node caches a credential, after which the store lookup refuses it.
	_, err := s.store.DeleteGatewayCredential(ctx, id, s.Now().Add(apiTokenRevocationHold))
	if err != nil {
		return err
	}
	return s.changed(ctx, p, domain.DefaultTenant, "gatewayCredential.delete", id, nil)
}
