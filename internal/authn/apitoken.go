package authn

import (
	"context"
	"errors"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/apitoken"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// APITokenLookup resolves personal API tokens: apitoken.Verifier on a
// token service node, the key manager on a remote gateway. It returns
// apitoken.ErrInvalid for a token to refuse.
type APITokenLookup interface {
	Lookup(ctx context.Context, tenant, raw string) (*apitoken.Identity, error)
}

// APITokens authenticates personal API tokens (prefix token.PrefixAPI):
// the token acts as its user with the token's scopes that the user still
// holds.
type APITokens struct{ lookup APITokenLookup }

// NewAPITokens returns the API-token method over l.
func NewAPITokens(l APITokenLookup) *APITokens { return &APITokens{lookup: l} }

// Kind implements Method.
func (*APITokens) Kind() Kind { return KindAPIToken }

// Verify implements Method.
func (m *APITokens) Verify(ctx context.Context, tenant, raw string) (*Principal, bool, error) {
	if !strings.HasPrefix(raw, token.PrefixAPI) {
		return nil, false, nil
	}
	id, err := m.lookup.Lookup(ctx, tenant, raw)
	if errors.Is(err, apitoken.ErrInvalid) {
		return nil, true, ErrInvalid
	}
	if err != nil {
		return nil, true, err
	}
	p := &Principal{Kind: KindAPIToken, Tenant: id.Tenant, Subject: id.UserID, Scopes: id.Scopes,
		AuthTime: id.CreatedAt, CredentialID: id.TokenID}
	if id.ExpiresAt != nil {
		p.ExpiresAt = *id.ExpiresAt
	}
	return p, true, nil
}
