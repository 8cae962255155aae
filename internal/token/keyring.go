package token

import (
	"context"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
)

// KeyStore is the part of store.Store the keyring needs.
type KeyStore interface {
	PublicKeyStore
	CreateSigningKey(ctx context.Context, tenant string, k *domain.SigningKey) error
	RotateSigningKey(ctx context.Context, tenant string, next *domain.SigningKey, publishUntil time.Time) error
	ScheduleSigningKey(ctx context.Context, tenant string, next *domain.SigningKey, publishUntil, dueBefore time.Time) error
	DueSigningKeys(ctx context.Context, createdBefore time.Time) ([]domain.KeyUseRef, error)
}

// Keyring signs access tokens with per-tenant keys, caching them in
// memory. A tenant's first key is created on first use, with the
// keyring's default algorithm; a tenant's signing algorithm is simply that
// of its active key, changed by rotating to a key of another algorithm.
// It embeds the KeySource that verifiers of this node read.
type Keyring struct {
	*KeySource
}

// signing is what a Keyring adds to its KeySource: the store it writes
// keys to, the sealer of their private halves and the first key's
// algorithm.
type signing struct {
	st     KeyStore
	sealer *secret.Sealer
	def    *algorithm
}

// NewKeyring returns a Keyring. base is the server's public base URL, used
// for issuers; defaultAlg ("" for DefaultAlgorithm) is the algorithm of
// each tenant's first key. An unsupported defaultAlg is an error wrapping
// ErrUnsupportedAlgorithm.
func NewKeyring(st KeyStore, sealer *secret.Sealer, base, defaultAlg string) (*Keyring, error) {
	if defaultAlg == "" {
		defaultAlg = DefaultAlgorithm
	}
	def, err := lookupAlgorithm(defaultAlg)
	if err != nil {
		return nil, fmt.Errorf("token: default algorithm: %w", err)
	}
	ks := NewKeySource(st, base)
	ks.sign = &signing{st: st, sealer: sealer, def: def}
	return &Keyring{KeySource: ks}, nil
}

// Rotate makes a new active key with algorithm alg; the old one stays
// published for domain.MaxAccessTokenTTL, the longest any token it signed
// can live, whatever its algorithm. An empty alg keeps the active key's
// algorithm (the default one when the tenant has no key); an unsupported
// one is an error wrapping ErrUnsupportedAlgorithm, and nothing changes.
func (k *Keyring) Rotate(ctx context.Context, tenant, alg string) error {
	a, err := k.rotationAlgorithm(ctx, tenant, alg)
	if err != nil {
		return err
	}
	now := k.now()
	next, err := k.sign.newKey(tenant, a, domain.KeyUseTokens, now)
	if err != nil {
		return err
	}
	if err := k.sign.st.RotateSigningKey(ctx, tenant, next, now.Add(domain.MaxAccessTokenTTL)); err != nil {
		return fmt.Errorf("token: rotating signing key: %w", err)
	}
	e := k.entry(tenant)
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, err := k.reload(ctx, tenant, e, needNone); err != nil {
		e.state.Store(nil) // the next use loads afresh
	}
	return nil
}

// rotationAlgorithm resolves Rotate's alg. The active key is read from the
// store, not the cache, so a rotation made on another node moments ago is
// not undone by a stale copy.
func (k *Keyring) rotationAlgorithm(ctx context.Context, tenant, alg string) (*algorithm, error) {
	if alg != "" {
		return lookupAlgorithm(alg)
	}
	now := k.now()
	keys, err := k.sign.st.ListSigningKeys(ctx, tenant, now)
	if err != nil {
		return nil, fmt.Errorf("token: loading signing keys: %w", err)
	}
	for i := range keys {
		if keys[i].Signs(now) && keys[i].Use == domain.KeyUseTokens {
			if a := storedAlgorithm(keys[i].Algorithm); a != nil {
				return a, nil
			}
			break
		}
	}
	return k.sign.def, nil
}

// Algorithms returns the algorithms of the tenant's published keys, those
// of the access-token keys and of the ID-token key alike, the active
// access-token key's first, each once; with no key yet, the default
// algorithm, which its first key will have. Discovery documents advertise
// them (see IDTokenAlgorithms), and verifiers such as go-oidc accept only
// what is advertised.
func (k *Keyring) Algorithms(ctx context.Context, tenant string) ([]string, error) {
	st, err := k.current(ctx, tenant, needNone)
	if err != nil {
		return nil, err
	}
	if len(st.algs) == 0 {
		return []string{string(k.sign.def.name)}, nil
	}
	return append([]string(nil), st.algs...), nil
}

// JWKS returns the tenant's published public keys (RFC 7517 §5). A tenant
// that never issued a token has an empty set.
func (k *Keyring) JWKS(ctx context.Context, tenant string) (*jose.JSONWebKeySet, error) {
	st, err := k.current(ctx, tenant, needNone)
	if err != nil {
		return nil, err
	}
	// A copy, so callers cannot change the cached set.
	return &jose.JSONWebKeySet{Keys: append([]jose.JSONWebKey(nil), st.jwks...)}, nil
}

// EnsureKey creates the tenant's first signing key unless it has an active
// one, so first start can make the key before any token is asked for.
func (k *Keyring) EnsureKey(ctx context.Context, tenant string) error {
	st, err := k.current(ctx, tenant, needTokens)
	if err != nil {
		return err
	}
	return st.tokens.err
}
