package admin

import (
	"context"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"path"
	"strings"
	"sync"

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
}

// NewAuthenticator returns an Authenticator. revocations may be nil in
// tools that do not follow revocations.
func NewAuthenticator(st store.Store, kr *token.Keyring, rev *token.Revocations) *Authenticator {
	return &Authenticator{store: st, keyring: kr, revocations: rev}
}

// Authenticate checks the value of an Authorization header for a request
// addressed to tenant. A JWT issued in another tenant authenticates as a
// principal of that tenant, so the use case can refuse it with 403.
func (a *Authenticator) Authenticate(ctx context.Context, tenant, authorization string) (Principal, error) {
	scheme, raw, ok := strings.Cut(strings.TrimSpace(authorization), " ")
	raw = strings.TrimSpace(raw)
	if !ok || !strings.EqualFold(scheme, "Bearer") || raw == "" {
		return Principal{}, ErrUnauthenticated
	}
	isBoot, err := a.isBootstrap(ctx, raw)
	if err != nil {
		return Principal{}, err
	}
	if isBoot {
		return Principal{Bootstrap: true}, nil
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

// verifyJWT verifies raw in the addressed tenant first and, failing that,
// in the tenant its (unverified) issuer names; Verify checks the issuer
// and the signature against that tenant's own keys, so the guess only
// selects where to look.
func (a *Authenticator) verifyJWT(ctx context.Context, tenant, raw string) (Principal, error) {
	tried := ""
	if a.tenantExists(ctx, tenant) {
		c, err := a.keyring.Verify(ctx, tenant, raw)
		if err == nil {
			return a.principal(tenant, c)
		}
		if !errors.Is(err, token.ErrInvalidToken) {
			return Principal{}, err
		}
		tried = tenant
	}
	other := issuerTenant(raw)
	if other == tried || !a.tenantExists(ctx, other) {
		return Principal{}, ErrUnauthenticated
	}
	c, err := a.keyring.Verify(ctx, other, raw)
	if errors.Is(err, token.ErrInvalidToken) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	return a.principal(other, c)
}

func (a *Authenticator) principal(tenant string, c *token.Claims) (Principal, error) {
	if a.revocations != nil && a.revocations.IsRevoked(tenant, c.ID, c.FamilyID) {
		return Principal{}, ErrUnauthenticated
	}
	return Principal{Tenant: tenant, Subject: c.Subject, Scopes: strings.Fields(c.Scope)}, nil
}

// tenantExists guards Verify, which may create a first key for a tenant it
// has not seen.
func (a *Authenticator) tenantExists(ctx context.Context, tenant string) bool {
	if tenant == "" {
		return false
	}
	_, err := a.store.GetTenant(ctx, tenant)
	return err == nil
}

// issuerTenant guesses the tenant of a JWT from the last path segment of
// its unverified iss claim (IssuerURL is base/{tenant}); the default
// tenant's issuer is the bare base URL.
func issuerTenant(raw string) string {
	parts := strings.Split(raw, ".")
	if len(parts) != 3 {
		return ""
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return ""
	}
	var c struct {
		Iss string `json:"iss"`
	}
	if json.Unmarshal(payload, &c) != nil {
		return ""
	}
	u, err := url.Parse(c.Iss)
	if err != nil {
		return ""
	}
	if p := strings.Trim(u.Path, "/"); p != "" {
		if seg := path.Base(p); domain.ValidateTenant(&domain.Tenant{ID: seg}) == nil {
			return seg
		}
	}
	return domain.DefaultTenant
}
