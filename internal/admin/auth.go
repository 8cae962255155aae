package admin

import (
	"cmp"
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/tollgate-dev/tollgate/internal/authheader"
	"github.com/tollgate-dev/tollgate/internal/cache"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/store"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// BootstrapSettingKey is the setting that holds the hex SHA-256 of the
// bootstrap token.
const BootstrapSettingKey = "bootstrap_token_hash"

// SetBootstrapToken stores the hash of tok as the bootstrap token; the
// token itself is never stored.
func SetBootstrapToken(ctx context.Context, st store.Store, tok string) error {
	if tok == "" {
		return domain.Invalid("bootstrapToken", "is empty")
	}
	return st.PutSetting(ctx, BootstrapSettingKey, hex.EncodeToString(secret.HashToken(tok)))
}

// Authenticator turns a bearer credential into a Principal.
type Authenticator struct {
	store       store.Store
	keyring     *token.Keyring
	revocations *token.Revocations

	// LookupAPIToken, when set, resolves opaque API tokens (prefix
	// token.PrefixAPI) of tenant; it returns ErrUnauthenticated for unknown
	// or revoked ones.
	LookupAPIToken func(ctx context.Context, tenant, raw string) (Principal, error)

	mu            sync.Mutex
	bootstrapHash []byte // cached after the first successful read

	gateways *cache.TTL[[32]byte, *domain.GatewayCredential] // by hash; see auth_gateway.go
}

// NewAuthenticator returns an Authenticator. revocations may be nil in
// tools that do not follow revocations.
func NewAuthenticator(st store.Store, kr *token.Keyring, rev *token.Revocations) *Authenticator {
	return &Authenticator{store: st, keyring: kr, revocations: rev, gateways: newGatewayCache()}
}

// Authenticate checks the value of an Authorization header for a request
// addressed to tenant.
func (a *Authenticator) Authenticate(ctx context.Context, tenant, authorization string) (Principal, error) {
	if authorization == "" {
		return Principal{}, ErrUnauthenticated
	}
	c, err := authheader.ParseValue(authorization)
	if err != nil {
		return Principal{}, err
	}
	if c.Scheme != authheader.Bearer {
		return Principal{}, ErrUnauthenticated
	}
	raw := c.Token
	isBoot, err := a.isBootstrap(ctx, raw)
	if err != nil {
		return Principal{}, err
	}
	if isBoot {
		return Principal{Bootstrap: true}, nil
	}
	if strings.HasPrefix(raw, token.PrefixGateway) {
		return a.gatewayCredential(ctx, raw)
	}
	if strings.HasPrefix(raw, token.PrefixAPI) {
		if a.LookupAPIToken == nil || !token.CheckOpaque(raw, token.PrefixAPI) {
			return Principal{}, ErrUnauthenticated
		}
		return a.LookupAPIToken(ctx, tenant, raw)
	}
	return a.verifyJWT(ctx, tenant, raw)
}

func (a *Authenticator) isBootstrap(ctx context.Context, raw string) (bool, error) {
	want, err := a.bootstrap(ctx)
	if err != nil || want == nil {
		return false, err
	}
	return secret.Equal(secret.HashToken(raw), want), nil
}

// bootstrap returns the stored bootstrap hash, nil when none is set.
func (a *Authenticator) bootstrap(ctx context.Context) ([]byte, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.bootstrapHash != nil {
		return a.bootstrapHash, nil
	}
	v, err := a.store.GetSetting(ctx, BootstrapSettingKey)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read bootstrap token hash: %w", err)
	}
	h, err := hex.DecodeString(v)
	if err != nil || len(h) == 0 {
		return nil, fmt.Errorf("setting %s is not a hex hash", BootstrapSettingKey)
	}
	a.bootstrapHash = h
	return h, nil
}

// verifyJWT verifies raw with the addressed tenant's keys and issuer
// only: a token is valid in its own tenant and nowhere else (DESIGN §2),
// so another tenant's token is unauthenticated here, as at the gateway.
func (a *Authenticator) verifyJWT(ctx context.Context, tenant, raw string) (Principal, error) {
	if ok, err := a.tenantExists(ctx, tenant); err != nil || !ok {
		return Principal{}, cmp.Or(err, ErrUnauthenticated)
	}
	c, err := a.keyring.Verify(ctx, tenant, raw)
	if errors.Is(err, token.ErrInvalidToken) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	return a.principal(tenant, c)
}

func (a *Authenticator) principal(tenant string, c *token.Claims) (Principal, error) {
	if a.revocations != nil && a.revocations.IsRevoked(tenant, c.ID, c.FamilyID) {
		return Principal{}, ErrUnauthenticated
	}
	return Principal{Tenant: tenant, Subject: c.Subject, Scopes: strings.Fields(c.Scope)}, nil
}

// tenantExists guards Verify, which may create a first key for a tenant it
// has not seen. A store failure is an error, not an unknown tenant: the
// caller gets 503, never 401.
func (a *Authenticator) tenantExists(ctx context.Context, tenant string) (bool, error) {
	if tenant == "" {
		return false, nil
	}
	_, err := a.store.GetTenant(ctx, tenant)
	if errors.Is(err, domain.ErrNotFound) {
		return false, nil
	}
	return err == nil, err
}
