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

// PublicKeyStore is where a KeySource reads a tenant's published keys:
// the store on a token service node, the key manager's feed on a remote
// gateway. Private halves, when present, are only used by a Keyring.
type PublicKeyStore interface {
	ListSigningKeys(ctx context.Context, tenant string, now time.Time) ([]domain.SigningKey, error)
}

// KeySource is the read-only side of the keys: it verifies access tokens
// against each tenant's published keys, cached in memory, reloaded when
// stale or when a token names an unknown kid (at most once per
// missInterval per tenant). Verifiers hold a KeySource and cannot sign;
// the token service's Keyring embeds the one its verifiers read, so a
// rotation there is seen by them at once.
//
// Verify assumes tenant names an existing tenant (the caller resolves it
// first): each tenant asked about gets a small cache entry.
type KeySource struct {
	st   PublicKeyStore
	base string
	now  func() time.Time // tests move the clock
	// sign is set for a Keyring's own source: its states then carry the
	// active key's signer, and a tenant without keys gets one. nil for a
	// verifier's source, which never writes.
	sign *signing

	mu      sync.RWMutex
	tenants map[string]*tenantKeys

	verified *cache.TTL[verifiedKey, *verifiedEntry] // see verified.go
}

// NewKeySource returns a read-only KeySource over st. base is the key
// manager's public base URL, from which tenants' issuers are derived.
func NewKeySource(st PublicKeyStore, base string) *KeySource {
	return &KeySource{st: st, base: base, now: time.Now, tenants: map[string]*tenantKeys{}, verified: newVerifiedCache()}
}

// Issuer returns the tenant's issuer URL (the iss of its tokens).
func (k *KeySource) Issuer(tenant string) string { return IssuerURL(k.base, tenant) }

// Forget drops the tenant's cached keys; call it when a tenant is deleted,
// so a tenant later created with the same slug never trusts the old keys.
func (k *KeySource) Forget(tenant string) {
	k.mu.Lock()
	delete(k.tenants, tenant)
	k.mu.Unlock()
}

// Changed drops the cached keys of a tenant whose keys changed on any
// node or which was deleted (a feed.Handler); the next use reloads them.
func (k *KeySource) Changed(_ context.Context, c domain.Change) error {
	switch c.Entity {
	case domain.EntitySigningKey, domain.EntityTenant:
		k.Forget(c.Tenant)
	case "":
		k.mu.Lock()
		clear(k.tenants)
		k.mu.Unlock()
	}
	return nil
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
	// until is when a scheduled key starts signing or the signing key
	// retires (zero: no such moment ahead): the state is stale from then,
	// whatever its age, as no change event marks that moment.
	until   time.Time
	issuer  string
	tokens  keySlot // the access-token key (see keyuse.go)
	idToken keySlot // the RS256 ID-token key, once one was needed
	verify  map[string]verifyKey
	jwks    []jose.JSONWebKey
	algs    []string // of the published keys, the access-token key's first
}

func (k *KeySource) entry(tenant string) *tenantKeys {
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
// A tenant without the active key that n names gets one.
func (k *KeySource) current(ctx context.Context, tenant string, n need) (*keyState, error) {
	e := k.entry(tenant)
	now := k.now()
	usable := func(st *keyState) bool { return st != nil && st.has(n) }

	st := e.state.Load()
	if usable(st) {
		if st.fresh(now) {
			return st, nil
		}
		// Stale but usable: one caller reloads, the others carry on with
		// the old keys rather than queue behind the database.
		if e.mu.TryLock() {
			defer e.mu.Unlock()
			if e.state.Load() == st {
				if fresh, err := k.reload(ctx, tenant, e, needNone); err == nil && usable(fresh) {
					return fresh, nil
				}
				// Keep serving the old keys; retry after a short pause.
				retry := *st
				retry.loadedAt = now.Add(retryAfter - cacheTTL)
				retry.until = time.Time{} // past activation, the old key signs on until a reload works
				e.state.Store(&retry)
			}
			return e.state.Load(), nil
		}
		return st, nil
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if st := e.state.Load(); usable(st) && st.fresh(now) {
		return st, nil // another caller loaded it while we waited
	}
	return k.reload(ctx, tenant, e, n)
}

// reload reads the tenant's keys from the store and publishes a new state.
// On a Keyring's source, a tenant without the active key that create names
// gets one. e.mu must be held.
func (k *KeySource) reload(ctx context.Context, tenant string, e *tenantKeys, create need) (*keyState, error) {
	now := k.now()
	keys, err := k.st.ListSigningKeys(ctx, tenant, now)
	if err != nil {
		return nil, fmt.Errorf("token: loading signing keys: %w", err)
	}
	st := k.build(tenant, keys, now)
	if !st.has(create) && k.sign != nil {
		a, use := k.sign.keyFor(create)
		key, err := k.sign.newKey(tenant, a, use, now)
		if err != nil {
			return nil, err
		}
		if err := k.sign.st.CreateSigningKey(ctx, tenant, key); err != nil {
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

// build turns stored keys (newest first) into a state: the newest key of
// each use that signs at now (domain.SigningKey.Signs) signs (for a Keyring), every published key verifies with
// its own algorithm. Keys that fail to parse are left out rather than
// failing the tenant; an active key whose private half cannot be opened
// (wrong master key) makes Issue fail loudly.
func (k *KeySource) build(tenant string, keys []domain.SigningKey, now time.Time) *keyState {
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
		st.stopAt(sk.CreatedAt, now)
		if sk.RetiredAt != nil {
			st.stopAt(*sk.RetiredAt, now)
		}
		if a := st.active(sk.Use); sk.Signs(now) && a.kid == "" {
			a.kid = sk.ID
			if k.sign != nil {
				a.signer, a.err = k.sign.openSigner(tenant, sk)
			}
			if sk.Use == domain.KeyUseTokens {
				st.algs = addAlg([]string{string(vk.alg)}, st.algs...) // the access-token key's first
				continue
			}
		}
		st.algs = addAlg(st.algs, string(vk.alg))
	}
	return st
}

// fresh reports whether st may serve at now without a reload.
func (st *keyState) fresh(now time.Time) bool {
	return now.Sub(st.loadedAt) < cacheTTL && (st.until.IsZero() || now.Before(st.until))
}

// stopAt makes st stale at t, when t is a change still ahead of now.
func (st *keyState) stopAt(t, now time.Time) {
	if t.After(now) && (st.until.IsZero() || t.Before(st.until)) {
		st.until = t
	}
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
