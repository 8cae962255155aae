package token

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tollgate-dev/tollgate/internal/cache"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
)

// Cache timing. Keys rotate rarely, so a node reloads a tenant's keys only
// when its copy is older than cacheTTL (to pick up a rotation made on
// another node) or when a token names a kid it has not seen, at most once
// per missInterval so garbage kids cannot hammer the database.
const (
	cacheTTL     = 30 * time.Second
	missInterval = time.Second
	retryAfter   = time.Second // back-off when a background reload fails
)

// KeyStore is the part of store.Store the keyring needs.
type KeyStore interface {
	CreateSigningKey(ctx context.Context, tenant string, k *domain.SigningKey) error
	RotateSigningKey(ctx context.Context, tenant string, next *domain.SigningKey, publishUntil time.Time) error
	ListSigningKeys(ctx context.Context, tenant string, now time.Time) ([]domain.SigningKey, error)
}

// Keyring signs and verifies access tokens with per-tenant keys, caching
// them in memory. A tenant's first key is created on first use, with the
// keyring's default algorithm; a tenant's signing algorithm is simply that
// of its active key, changed by rotating to a key of another algorithm.
//
// Verify and JWKS assume tenant names an existing tenant (the HTTP layer
// resolves it first): each tenant asked about gets a small cache entry.
type Keyring struct {
	st     KeyStore
	sealer *secret.Sealer
	base   string
	def    *algorithm       // of a tenant's first key
	now    func() time.Time // tests move the clock

	mu      sync.RWMutex
	tenants map[string]*tenantKeys

	verified *cache.TTL[verifiedKey, *verifiedEntry] // see verified.go
}

// tenantKeys is one tenant's cache entry. Readers take the current state
// with one atomic load; mu serialises reloads and first-key creation, so
// concurrent first use on one node makes one key, not several.
type tenantKeys struct {
	mu       sync.Mutex
	state    atomic.Pointer[keyState]
	lastMiss time.Time // guarded by mu
}

// keyState is an immutable snapshot of a tenant's keys.
type keyState struct {
	loadedAt time.Time
	issuer   string
	signer   *jwsSigner // nil when the tenant has no usable active key
	kid      string
	signErr  error // why signer is nil, when it is not simply "no key"
	verify   map[string]verifyKey
	jwks     []jose.JSONWebKey
	algs     []string // of the published keys, the active key's first
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
	return &Keyring{st: st, sealer: sealer, base: base, def: def, now: time.Now, tenants: map[string]*tenantKeys{},
		verified: newVerifiedCache()}, nil
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
	next, err := k.newKey(tenant, a, now)
	if err != nil {
		return err
	}
	if err := k.st.RotateSigningKey(ctx, tenant, next, now.Add(domain.MaxAccessTokenTTL)); err != nil {
		return fmt.Errorf("token: rotating signing key: %w", err)
	}
	e := k.entry(tenant)
	e.mu.Lock()
	defer e.mu.Unlock()
	if _, err := k.reload(ctx, tenant, e, false); err != nil {
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
	keys, err := k.st.ListSigningKeys(ctx, tenant, k.now())
	if err != nil {
		return nil, fmt.Errorf("token: loading signing keys: %w", err)
	}
	for i := range keys {
		if keys[i].RetiredAt == nil {
			if a := storedAlgorithm(keys[i].Algorithm); a != nil {
				return a, nil
			}
			break
		}
	}
	return k.def, nil
}

// Algorithms returns the algorithms of the tenant's published keys, the
// active key's first, each once; with no key yet, the default algorithm,
// which its first key will have. Discovery documents advertise them, and
// verifiers such as go-oidc accept only what is advertised.
func (k *Keyring) Algorithms(ctx context.Context, tenant string) ([]string, error) {
	st, err := k.current(ctx, tenant, false)
	if err != nil {
		return nil, err
	}
	if len(st.algs) == 0 {
		return []string{string(k.def.name)}, nil
	}
	return append([]string(nil), st.algs...), nil
}

// JWKS returns the tenant's published public keys (RFC 7517 §5). A tenant
// that never issued a token has an empty set.
func (k *Keyring) JWKS(ctx context.Context, tenant string) (*jose.JSONWebKeySet, error) {
	st, err := k.current(ctx, tenant, false)
	if err != nil {
		return nil, err
	}
	// A copy, so callers cannot change the cached set.
	return &jose.JSONWebKeySet{Keys: append([]jose.JSONWebKey(nil), st.jwks...)}, nil
}

// EnsureKey creates the tenant's first signing key unless it has an active
// one, so first start can make the key before any token is asked for.
func (k *Keyring) EnsureKey(ctx context.Context, tenant string) error {
	st, err := k.current(ctx, tenant, true)
	if err != nil {
		return err
	}
	return st.signErr
}

// Forget drops the tenant's cached keys; call it when a tenant is deleted,
// so a tenant later created with the same slug never trusts the old keys.
func (k *Keyring) Forget(tenant string) {
	k.mu.Lock()
	delete(k.tenants, tenant)
	k.mu.Unlock()
}

func (k *Keyring) entry(tenant string) *tenantKeys {
	k.mu.RLock()
	e := k.tenants[tenant]
	k.mu.RUnlock()
	if e != nil {
		return e
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if e = k.tenants[tenant]; e == nil {
		e = &tenantKeys{}
		k.tenants[tenant] = e
	}
	return e
}

// current returns the tenant's key state, loading it when missing or stale.
// With needSigner, a tenant without an active key gets one.
func (k *Keyring) current(ctx context.Context, tenant string, needSigner bool) (*keyState, error) {
	e := k.entry(tenant)
	now := k.now()
	// A state whose active key cannot be opened counts as usable: Issue
	// reports the error until the entry expires, instead of every call
	// reloading from the database.
	usable := func(st *keyState) bool {
		return st != nil && (!needSigner || st.signer != nil || st.signErr != nil)
	}

	st := e.state.Load()
	if usable(st) {
		if now.Sub(st.loadedAt) < cacheTTL {
			return st, nil
		}
		// Stale but usable: one caller reloads, the others carry on with
		// the old keys rather than queue behind the database.
		if e.mu.TryLock() {
			defer e.mu.Unlock()
			if e.state.Load() == st {
				if fresh, err := k.reload(ctx, tenant, e, false); err == nil && usable(fresh) {
					return fresh, nil
				}
				// Keep serving the old keys; retry after a short pause.
				retry := *st
				retry.loadedAt = now.Add(retryAfter - cacheTTL)
				e.state.Store(&retry)
			}
			return e.state.Load(), nil
		}
		return st, nil
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if st := e.state.Load(); usable(st) && now.Sub(st.loadedAt) < cacheTTL {
		return st, nil // another caller loaded it while we waited
	}
	return k.reload(ctx, tenant, e, needSigner)
}

// reload reads the tenant's keys from the store and publishes a new state.
// With create, a tenant without an active key gets one. e.mu must be held.
func (k *Keyring) reload(ctx context.Context, tenant string, e *tenantKeys, create bool) (*keyState, error) {
	now := k.now()
	keys, err := k.st.ListSigningKeys(ctx, tenant, now)
	if err != nil {
		return nil, fmt.Errorf("token: loading signing keys: %w", err)
	}
	st := k.build(tenant, keys, now)
	if st.signer == nil && st.signErr == nil && create {
		key, err := k.newKey(tenant, k.def, now)
		if err != nil {
			return nil, err
		}
		if err := k.st.CreateSigningKey(ctx, tenant, key); err != nil {
			return nil, fmt.Errorf("token: creating signing key: %w", err)
		}
		// Read back rather than use key directly: if another node created
		// one at the same moment, everyone settles on the newest.
		if keys, err = k.st.ListSigningKeys(ctx, tenant, now); err != nil {
			return nil, fmt.Errorf("token: loading signing keys: %w", err)
		}
		st = k.build(tenant, keys, now)
	}
	e.state.Store(st)
	return st, nil
}

// build turns stored keys (newest first) into a state: the newest active
// key signs, every published key verifies with its own algorithm. Keys
// that fail to parse are left out rather than failing the tenant; an
// active key whose private half cannot be opened (wrong master key) makes
// Issue fail loudly.
func (k *Keyring) build(tenant string, keys []domain.SigningKey, now time.Time) *keyState {
	st := &keyState{
		loadedAt: now,
		issuer:   IssuerURL(k.base, tenant),
		verify:   make(map[string]verifyKey, len(keys)),
	}
	for i := range keys {
		sk := &keys[i]
		jwk, vk, ok := publicKey(sk)
		if !ok {
			continue
		}
		if _, dup := st.verify[sk.ID]; dup {
			continue
		}
		st.verify[sk.ID] = vk
		st.jwks = append(st.jwks, jwk)
		if sk.RetiredAt == nil && st.signer == nil && st.signErr == nil {
			st.signer, st.signErr = k.openSigner(tenant, sk)
			st.kid = sk.ID
			st.algs = addAlg([]string{string(vk.alg)}, st.algs...) // active first
			continue
		}
		st.algs = addAlg(st.algs, string(vk.alg))
	}
	return st
}

// addAlg appends the algorithms of more to algs, each once.
func addAlg(algs []string, more ...string) []string {
	for _, a := range more {
		if !slices.Contains(algs, a) {
			algs = append(algs, a)
		}
	}
	return algs
}
