package remote

import (
	"context"
	"encoding/hex"
	"errors"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/cache"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/gateway"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// apiTokenTTL is how long a resolved API token is trusted without asking
// the key manager again; deletions do not wait for it (revocation set).
const apiTokenTTL = 5 * time.Second

// Verifier checks tokens on a remote gateway: JWTs locally against the
// key manager's public keys (a keyring over the Client) and the followed
// revocation set; API tokens through the key manager, cached briefly.
type Verifier struct {
	keys    *token.Keyring
	revoked *token.Revocations
	client  *Client
	cache   *cache.TTL[string, *gateway.Identity]
}

// NewVerifier returns a Verifier.
func NewVerifier(keys *token.Keyring, revoked *token.Revocations, c *Client) *Verifier {
	return &Verifier{keys: keys, revoked: revoked, client: c, cache: cache.New[string, *gateway.Identity](apiTokenTTL, 100_000)}
}

// Verify implements gateway.Verifier.
func (v *Verifier) Verify(ctx context.Context, tenant, raw string) (*gateway.Identity, error) {
	if strings.HasPrefix(raw, token.PrefixAPI) {
		return v.apiToken(ctx, tenant, raw)
	}
	c, err := v.keys.Verify(ctx, tenant, raw)
	if errors.Is(err, token.ErrInvalidToken) {
		return nil, gateway.ErrInvalidToken
	}
	if err != nil {
		return nil, err
	}
	if v.revoked.IsRevoked(tenant, c.ID, c.FamilyID) {
		return nil, gateway.ErrInvalidToken
	}
	return &gateway.Identity{Tenant: tenant, Subject: c.Subject, Client: c.ClientID, Scopes: strings.Fields(c.Scope)}, nil
}

func (v *Verifier) apiToken(ctx context.Context, tenant, raw string) (*gateway.Identity, error) {
	if !token.CheckOpaque(raw, token.PrefixAPI) {
		return nil, gateway.ErrInvalidToken
	}
	h := hex.EncodeToString(secret.HashToken(raw))
	if v.revoked.IsRevokedValue(tenant, domain.RevokeAPIToken, h) {
		return nil, gateway.ErrInvalidToken
	}
	// Keyed by the hash, so the cache holds no usable token.
	key := tenant + "\x00" + h
	if id, ok := v.cache.Get(key); ok {
		return id, nil
	}
	id, err := v.client.VerifyAPIToken(ctx, tenant, raw)
	if err != nil {
		return nil, err
	}
	v.cache.Put(key, id)
	return id, nil
}
