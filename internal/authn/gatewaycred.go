package authn

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/cache"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// gatewayCacheTTL bounds how long a looked-up gateway credential is
// trusted without reading the store. A deletion does not wait for it: the
// revocation set refuses the credential first.
const gatewayCacheTTL = 5 * time.Second

// GatewayCredentialStore finds gateway credentials by hash.
type GatewayCredentialStore interface {
	GetGatewayCredentialByHash(ctx context.Context, hash []byte) (*domain.GatewayCredential, error)
}

// GatewayCredentials authenticates the credentials remote gateways present
// (prefix token.PrefixGateway). Their principal may read the gateway feed
// and nothing else; that rule is the caller's.
type GatewayCredentials struct {
	st      GatewayCredentialStore
	revoked *token.Revocations // nil: deletions apply when the cache expires
	cache   *cache.TTL[[32]byte, *domain.GatewayCredential]
}

// NewGatewayCredentials returns the gateway-credential method.
func NewGatewayCredentials(st GatewayCredentialStore, revoked *token.Revocations) *GatewayCredentials {
	return &GatewayCredentials{st: st, revoked: revoked,
		cache: cache.New[[32]byte, *domain.GatewayCredential](gatewayCacheTTL, 1000)}
}

// Changed drops the cached credentials when one was created or deleted
// on any node (a feed.Handler).
func (m *GatewayCredentials) Changed(_ context.Context, c domain.Change) error {
	if c.Entity == domain.EntityGatewayCredential || c.Everything() {
		m.cache.Clear()
	}
	return nil
}

// Kind implements Method.
func (*GatewayCredentials) Kind() Kind { return KindGatewayCredential }

// Verify implements Method: a credential must be well-formed (the checksum
// refuses typos and guesses without a lookup), not revoked, and stored.
func (m *GatewayCredentials) Verify(ctx context.Context, _, raw string) (*Principal, bool, error) {
	if !strings.HasPrefix(raw, token.PrefixGateway) {
		return nil, false, nil
	}
	if !token.CheckOpaque(raw, token.PrefixGateway) {
		return nil, true, ErrInvalid
	}
	h := secret.HashToken(raw)
	if m.revoked != nil && m.revoked.IsRevokedValue(domain.DefaultTenant, domain.RevokeGatewayCredential, hex.EncodeToString(h)) {
		return nil, true, ErrInvalid
	}
	c, ok := m.cache.Get([32]byte(h))
	if !ok {
		var err error
		version := m.cache.Version()
		c, err = m.st.GetGatewayCredentialByHash(ctx, h)
		if errors.Is(err, domain.ErrNotFound) {
			return nil, true, ErrInvalid
		}
		if err != nil {
			return nil, true, fmt.Errorf("gateway credential: %w", err)
		}
		m.cache.PutIfUnchanged([32]byte(h), c, version)
	}
	// The index found the record by hash; this compare decides, in the
	// same time whatever the bytes.
	if !secret.Equal(c.Hash, h) {
		return nil, true, ErrInvalid
	}
	return &Principal{Kind: KindGatewayCredential, Subject: c.ID, CredentialID: c.ID}, true, nil
}
