package admin

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
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

func newGatewayCache() *cache.TTL[[32]byte, *domain.GatewayCredential] {
	return cache.New[[32]byte, *domain.GatewayCredential](gatewayCacheTTL, 1000)
}

// gatewayCredential authenticates a gateway credential: well-formed (the
// checksum refuses typos and guesses without a lookup), not revoked, and
// stored. Its principal may read the gateway feed and nothing else.
func (a *Authenticator) gatewayCredential(ctx context.Context, raw string) (Principal, error) {
	if !token.CheckOpaque(raw, token.PrefixGateway) {
		return Principal{}, ErrUnauthenticated
	}
	h := secret.HashToken(raw)
	if a.revocations != nil && a.revocations.IsRevokedValue(domain.DefaultTenant, domain.RevokeGatewayCredential, hex.EncodeToString(h)) {
		return Principal{}, ErrUnauthenticated
	}
	c, ok := a.gateways.Get([32]byte(h))
	if !ok {
		var err error
		c, err = a.store.GetGatewayCredentialByHash(ctx, h)
		if errors.Is(err, domain.ErrNotFound) {
			return Principal{}, ErrUnauthenticated
		}
		if err != nil {
			return Principal{}, fmt.Errorf("gateway credential: %w", err)
		}
		a.gateways.Put([32]byte(h), c)
	}
	// The index found the record by hash; this compare decides, in the
	// same time whatever the bytes.
	if !secret.Equal(c.Hash, h) {
		return Principal{}, ErrUnauthenticated
	}
	return Principal{GatewayCredential: c.ID}, nil
}
