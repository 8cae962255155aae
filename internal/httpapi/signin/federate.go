package signin

import (
	"context"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Federation signs users in through a tenant's external providers.
type Federation interface {
	// Providers are the tenant's enabled providers, one button each.
	Providers(ctx context.Context, tenant string) ([]domain.IdentityProvider, error)
}
