package token

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"fmt"
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

// algorithm is the only JWS algorithm we sign with or accept
// (RFC 9068 §4: the resource server must reject other algorithms).
const algorithm = jose.ES256

// KeyStore is the part of store.Store the keyring needs.
type KeyStore interface {
	CreateSigningKey(ctx context.Context, tenant string, k *domain.SigningKey) error
	RotateSigningKey(ctx context.Context, tenant string, next *domain.SigningKey, publishUntil time.Time) error
	ListSigningKeys(ctx context.Context, tenant string, now time.Time) ([]domain.SigningKey, error)
}

// Keyring signs and verifies access tokens with per-tenant keys, caching
// them in memory. A tenant's first key is created on first use.
//
// Verify and JWKS assume tenant names an existing tenant (the HTTP layer
// resolves it first): each tenant asked about gets a small cache entry.
type Keyring struct {
	st     KeyStore
	sealer *secret.Sealer
	base   string
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
	signer   jose.Signer // nil when the tenant has no usable active key
	kid      string
	signErr  error // why signer is nil, when it is not simply "no key"
	verify   map[string]*ecdsa.PublicKey
	jwks     []jose.JSONWebKey
}

// NewKeyring returns a Keyring. base is the server's public base URL, used
// for issuers.
func NewKeyring(st KeyStore, sealer *secret.Sealer, base string) *Keyring {
	return &Keyring{st: st, sealer: sealer, base: base, now: time.Now, tenants: map[string]*tenantKeys{},
		verified: newVerifiedCache()}
}

// Rotate makes a new active key; the old one stays published for
// domain.MaxAccessTokenTTL, the longest any token it signed can live.
func (k *Keyring) Rotate(ctx context.Context, tenant string) error {
	now := k.now()
	next, err := k.newKey(tenant, now)
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
		key, err := k.newKey(tenant, now)
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
// key signs, every published key verifies. Keys that fail to parse are left
// out rather than failing the tenant; an active key whose private half
// cannot be opened (wrong master key) makes Issue fail loudly.
func (k *Keyring) build(tenant string, keys []domain.SigningKey, now time.Time) *keyState {
	st := &keyState{
		loadedAt: now,
		issuer:   IssuerURL(k.base, tenant),
		verify:   make(map[string]*ecdsa.PublicKey, len(keys)),
	}
	for i := range keys {
		sk := &keys[i]
		if sk.Algorithm != string(algorithm) {
			continue
		}
		var jwk jose.JSONWebKey
		if err := json.Unmarshal(sk.PublicKey, &jwk); err != nil || jwk.KeyID != sk.ID {
			continue
		}
		pub, ok := jwk.Key.(*ecdsa.PublicKey)
		if !ok || pub.Curve != elliptic.P256() {
			continue
		}
		if _, dup := st.verify[sk.ID]; dup {
			continue
		}
		st.verify[sk.ID] = pub
		st.jwks = append(st.jwks, jwk)
		if sk.RetiredAt == nil && st.signer == nil && st.signErr == nil {
			st.signer, st.signErr = k.openSigner(tenant, sk)
			st.kid = sk.ID
		}
	}
	return st
}

// openSigner unseals a private key and builds the jose.Signer once, so
// signing a token costs one ECDSA signature and no key parsing.
func (k *Keyring) openSigner(tenant string, sk *domain.SigningKey) (jose.Signer, error) {
	der, err := k.sealer.Open(sk.PrivateKey, keyAD(tenant, sk.ID))
	if err != nil {
		return nil, fmt.Errorf("token: signing key %s of tenant %s: %w", sk.ID, tenant, err)
	}
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("token: signing key %s of tenant %s: %w", sk.ID, tenant, err)
	}
	priv, ok := parsed.(*ecdsa.PrivateKey)
	if !ok || priv.Curve != elliptic.P256() {
		return nil, fmt.Errorf("token: signing key %s of tenant %s is not a P-256 key", sk.ID, tenant)
	}
	// RFC 9068 §2.1: typ "at+jwt" sets access tokens apart from ID tokens.
	opts := (&jose.SignerOptions{}).WithType("at+jwt")
	return jose.NewSigner(jose.SigningKey{
		Algorithm: algorithm,
		Key:       jose.JSONWebKey{Key: priv, KeyID: sk.ID, Algorithm: string(algorithm)},
	}, opts)
}

// newKey generates a P-256 key. The kid is the RFC 7638 thumbprint, so it
// is unique without coordination and the same on every node.
func (k *Keyring) newKey(tenant string, now time.Time) (*domain.SigningKey, error) {
	priv, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("token: generating key: %w", err)
	}
	pub := jose.JSONWebKey{Key: &priv.PublicKey, Algorithm: string(algorithm), Use: "sig"}
	tp, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, fmt.Errorf("token: key thumbprint: %w", err)
	}
	pub.KeyID = base64.RawURLEncoding.EncodeToString(tp)
	pubJSON, err := pub.MarshalJSON()
	if err != nil {
		return nil, fmt.Errorf("token: encoding public key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, fmt.Errorf("token: encoding private key: %w", err)
	}
	sealed, err := k.sealer.Seal(der, keyAD(tenant, pub.KeyID))
	if err != nil {
		return nil, fmt.Errorf("token: sealing private key: %w", err)
	}
	return &domain.SigningKey{
		Tenant:     tenant,
		ID:         pub.KeyID,
		Algorithm:  string(algorithm),
		PublicKey:  pubJSON,
		PrivateKey: sealed,
		CreatedAt:  now,
	}, nil
}

// keyAD binds a sealed private key to its tenant and kid, so a row copied
// into another tenant cannot be opened there.
func keyAD(tenant, kid string) []byte { return []byte(tenant + "/" + kid) }
