package oauth

import (
	"context"
	"errors"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/apitoken"
)

// SetAPITokens lets introspection recognise API tokens through v.
func (s *Server) SetAPITokens(v *apitoken.Verifier) { s.apiTokens = v }

// introspectAPIToken answers for a personal API token of tenant. The lookup
// is by tenant, so a client of another tenant learns only active=false.
func (s *Server) introspectAPIToken(ctx context.Context, tenant, raw string) (*Introspection, error) {
	if s.apiTokens == nil {
		return &Introspection{}, nil
	}
	id, err := s.apiTokens.Lookup(ctx, tenant, raw)
	if errors.Is(err, apitoken.ErrInvalid) {
		return &Introspection{}, nil
	}
	if err != nil {
		return nil, ServerError(err)
	}
	in := &Introspection{
		Active:    true,
		Scope:     strings.Join(id.Scopes, " "),
		Subject:   id.UserID,
		Issuer:    s.keys.Issuer(tenant),
		IssuedAt:  id.CreatedAt.Unix(),
		TokenType: "api_token",
	}
	if id.ExpiresAt != nil {
		in.ExpiresAt = id.ExpiresAt.Unix()
	}
	return in, nil
}
