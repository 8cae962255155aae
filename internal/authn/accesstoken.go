package authn

import (
	"context"
	"errors"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// TenantStore tells whether a tenant exists.
type TenantStore interface {
	GetTenant(ctx context.Context, id string) (*domain.Tenant, error)
}

// AccessTokens verifies JWT access tokens (RFC 9068) against the
// tenant's published keys and the revocation set. Its kind has no prefix,
// so it takes every credential it is asked about: put it last.
type AccessTokens struct {
	keys    *token.KeySource
	revoked *token.Revocations // nil: revocations are not followed (tools)
	tenants TenantStore        // nil: the caller resolved the tenant
}

// NewAccessTokens returns the access-token method. With tenants, a token
// presented to a tenant that does not exist is invalid before any key
// lookup, so arbitrary tenant names in URLs cannot fill the key cache;
// callers that resolved the tenant already pass nil.
func NewAccessTokens(keys *token.KeySource, revoked *token.Revocations, tenants TenantStore) *AccessTokens {
	return &AccessTokens{keys: keys, revoked: revoked, tenants: tenants}
}

// Kind implements Method.
func (*AccessTokens) Kind() Kind { return KindAccessToken }

// Verify implements Method. A token is valid in its own tenant and
// nowhere else (DESIGN §2): the tenant's keys and issuer decide.
func (m *AccessTokens) Verify(ctx context.Context, tenant, raw string) (*Principal, bool, error) {
	if m.tenants != nil {
		if err := m.tenantExists(ctx, tenant); err != nil {
			return nil, true, err
		}
	}
	c, err := m.keys.Verify(ctx, tenant, raw)
	if errors.Is(err, token.ErrInvalidToken) {
		return nil, true, ErrInvalid
	}
	if err != nil {
		return nil, true, err
	}
	if m.revoked != nil && m.revoked.IsRevoked(tenant, c.ID, c.FamilyID) {
		return nil, true, ErrInvalid
	}
	return &Principal{
		Kind: KindAccessToken, Tenant: c.Tenant, Subject: c.Subject, Client: c.ClientID, Scopes: strings.Fields(c.Scope),
		AuthTime: c.IssuedAt, SessionID: c.FamilyID, CredentialID: c.ID, ExpiresAt: c.ExpiresAt,
		Audience: c.Audience, Issuer: c.Issuer, BoundKey: c.BoundKey, Actor: c.Actor,
	}, true, nil
}

// tenantExists is ErrInvalid for an unknown tenant. A store failure is
// returned as it is: the caller answers 503, never 401.
func (m *AccessTokens) tenantExists(ctx context.Context, tenant string) error {
	if tenant == "" {
		return ErrInvalid
	}
	_, err := m.tenants.GetTenant(ctx, tenant)
	if errors.Is(err, domain.ErrNotFound) {
		return ErrInvalid
	}
	return err
}
