package token

import (
	"context"
	"crypto/sha256"
	"time"

	"github.com/tollgate-dev/tollgate/internal/cache"
)

// Resource servers introspect, and the gateway verifies, the same token
// many times during its life; a signature verification is most of that cost.
// Verified claims are kept briefly, keyed by a hash of the token, so a
// repeat costs a SHA-256 and a map lookup. Expiry is checked on every hit,
// and so is the signing key, which must still be among the tenant's
// published keys: a forgotten tenant or withdrawn key ends the cached
// validity at once. Revocation is the caller's check, as on a miss.
const (
	verifiedTTL = 30 * time.Second
	verifiedMax = 100_000
)

type verifiedKey struct {
	tenant string
	sum    [sha256.Size]byte
}

type verifiedEntry struct {
	claims Claims
	kid    string
}

func newVerifiedCache() *cache.TTL[verifiedKey, *verifiedEntry] {
	return cache.New[verifiedKey, *verifiedEntry](verifiedTTL, verifiedMax)
}

func verifiedKeyOf(tenant, raw string) verifiedKey {
	return verifiedKey{tenant: tenant, sum: sha256.Sum256([]byte(raw))}
}

// cachedClaims returns a copy of the claims of a token verified recently,
// or nil when it must be verified afresh.
func (k *KeySource) cachedClaims(ctx context.Context, key verifiedKey) *Claims {
	e, ok := k.verified.Get(key)
	if !ok || !k.now().Before(e.claims.ExpiresAt.Add(leeway)) {
		return nil
	}
	st, err := k.current(ctx, key.tenant, needNone)
	if err != nil {
		return nil
	}
	if _, ok := st.verify[e.kid]; !ok {
		return nil
	}
	c := e.claims
	c.Audience = append([]string(nil), c.Audience...)
	return &c
}

func (k *KeySource) rememberVerified(key verifiedKey, c *Claims, kid string) {
	e := &verifiedEntry{claims: *c, kid: kid}
	e.claims.Audience = append([]string(nil), c.Audience...)
	k.verified.Put(key, e)
}
