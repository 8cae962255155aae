package oauth

import (
	"context"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// consoleApp is the built-in web console of tenant: a first-party public
// client that signs people in through the tenant's own authorization
// endpoint, and whose only redirect URI is the console's callback. Every
// tenant has it; it is not stored, so no admin can widen it.
func (s *Server) consoleApp(ctx context.Context, tenant string) (*domain.Application, error) {
	if exists, err := s.tenantExists(ctx, tenant); err != nil {
		return nil, err
	} else if !exists {
		return nil, domain.ErrNotFound
	}
	return &domain.Application{
		Tenant:          tenant,
		ID:              domain.ConsoleApplicationID,
		Name:            "Tollgate console",
		ClientType:      domain.ClientPublic,
		FirstParty:      true,
		GrantTypes:      []string{domain.GrantAuthorizationCode},
		RedirectURIs:    []string{s.ConsoleCallback(tenant)},
		AccessTokenTTL:  domain.DefaultAccessTokenTTL,
		RefreshTokenTTL: domain.DefaultRefreshTokenTTL,
	}, nil
}

// ConsoleCallback is the console's redirect URI in tenant.
func (s *Server) ConsoleCallback(tenant string) string {
	return s.keys.Issuer(tenant) + "/console/callback"
}
