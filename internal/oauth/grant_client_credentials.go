package oauth

import (
	"context"
	"errors"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// clientCredentialsGrant: RFC 6749 §4.4. The authenticated client is the
// subject; no refresh token is issued (§4.4.3).
type clientCredentialsGrant struct{ s *Server }

// clientCredentialsRequest has no parameters of its own (§4.4.2).
type clientCredentialsRequest struct{}

func (clientCredentialsRequest) claimedUser() string { return "" }

var _ grant[clientCredentialsRequest] = clientCredentialsGrant{}

func (clientCredentialsGrant) clientRequired() bool { return true }

func (clientCredentialsGrant) parse(params) (clientCredentialsRequest, error) {
	return clientCredentialsRequest{}, nil
}

func (g clientCredentialsGrant) authorize(ctx context.Context, ex *exchange, _ clientCredentialsRequest) (*authorization, ScopePolicy, error) {
	policy, err := g.s.clientPolicy(ctx, ex.tenant, ex.app)
	if err != nil {
		return refuse(err)
	}
	return &authorization{}, policy, nil
}

// clientPolicy is the scope policy of app's own token: its scopes alone
// for an application admins registered; for one a user registered in the
// developer portal, also what its owner holds now (OwnedClient), so a
// role taken from the owner is taken from their application too, and an
// application of a user who is gone or disabled gets nothing.
func (s *Server) clientPolicy(ctx context.Context, tenant string, app *domain.Application) (ScopePolicy, error) {
	if app.Owner == "" {
		return ClientOnly(), nil
	}
	owner, scopes, err := s.store.GetUserWithScopes(ctx, tenant, app.Owner)
	if errors.Is(err, domain.ErrNotFound) || err == nil && owner.Disabled {
		return ScopePolicy{}, UnauthorizedClient("the user who registered this client is no longer active")
	}
	if err != nil {
		return ScopePolicy{}, ServerError(err)
	}
	return OwnedClient(scopes), nil
}
