package oauth

import (
	"context"
	"errors"
	"net/http"
	"slices"

	"github.com/tollgate-dev/tollgate/internal/authn"
	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Error codes of bearer token use (RFC 6750 §3.1).
const (
	CodeInvalidToken      = "invalid_token"
	CodeInsufficientScope = "insufficient_scope"
)

// UserInfo is the userinfo response (OIDC Core §5.3.2).
type UserInfo struct {
	Subject string `json:"sub"`
	UserClaims
}

// UserInfo answers the userinfo endpoint for the bearer access token raw,
// which must carry scope openid and stand for a user of tenant. Refusals
// are invalid_token (401) and insufficient_scope (403), for the caller to
// put in a WWW-Authenticate challenge.
func (s *Server) UserInfo(ctx context.Context, tenant, raw string) (*UserInfo, error) {
	if err := s.CheckTenant(ctx, tenant); err != nil {
		return nil, err
	}
	p, err := s.verifier.VerifyKind(ctx, authn.KindAccessToken, tenant, raw)
	if err == nil && p.BoundKey != "" {
		err = authn.ErrInvalid // a DPoP-bound token sent as a bearer token
	}
	if errors.Is(err, authn.ErrInvalid) {
		return nil, newError(http.StatusUnauthorized, CodeInvalidToken, "the access token is invalid, expired or revoked")
	}
	if err != nil {
		return nil, ServerError(err)
	}
	scopes := p.Scopes
	if !slices.Contains(scopes, domain.ScopeOpenID) || p.Subject == p.Client {
		return nil, newError(http.StatusForbidden, CodeInsufficientScope, "the access token lacks scope openid")
	}
	u, err := s.store.GetUser(ctx, tenant, p.Subject)
	if errors.Is(err, domain.ErrNotFound) || err == nil && u.Disabled {
		return nil, newError(http.StatusUnauthorized, CodeInvalidToken, "the user of this access token is no longer active")
	}
	if err != nil {
		return nil, ServerError(err)
	}
	return &UserInfo{Subject: u.ID, UserClaims: userClaims(u, scopes)}, nil
}
