package federation

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"
	"golang.org/x/sync/singleflight"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// providerTimeout bounds each request to a provider, body included: a
// tenant admin chooses the issuer, so a slow one must not hold a sign-in
// (or the discovery others wait on) for long.
const providerTimeout = 10 * time.Second

// discoveryTTL is how long a discovery document is used before it is
// fetched again, so a provider that moves its endpoints is followed
// without a change here. Keys rotate independently: go-oidc fetches the
// key set again when a token names a key it does not know.
const discoveryTTL = time.Hour

// discovered is a provider's discovery document and key set, as go-oidc
// keeps them, with how to authenticate at its token endpoint.
type discovered struct {
	issuer     string
	byOperator bool
	at         time.Time
	oidc       *oidc.Provider
	authStyle  oauth2.AuthStyle
}

type cacheKey struct{ tenant, id string }

// discoveryCache holds one discovered provider per (tenant, provider).
type discoveryCache struct {
	now   func() time.Time
	group singleflight.Group

	mu      sync.Mutex
	entries map[cacheKey]*discovered
	gen     uint64 // bumped by every drop, so a fetch begun before it is not stored
}

func newDiscoveryCache(now func() time.Time) *discoveryCache {
	return &discoveryCache{now: now, entries: map[cacheKey]*discovered{}}
}

// drop forgets the entries of provider id of tenant; id "": every
// provider of tenant; tenant "": everything.
func (c *discoveryCache) drop(tenant, id string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.gen++
	for k := range c.entries {
		if tenant == "" || k.tenant == tenant && (id == "" || k.id == id) {
			delete(c.entries, k)
		}
	}
}

// get returns the cached discovery of p if it is still of p's issuer and
// policy and fresh.
func (c *discoveryCache) get(p *domain.IdentityProvider) (*discovered, uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	d := c.entries[cacheKey{p.Tenant, p.ID}]
	if d == nil || d.issuer != p.Issuer || d.byOperator != p.ByOperator || c.now().Sub(d.at) > discoveryTTL {
		return nil, c.gen
	}
	return d, c.gen
}

func (c *discoveryCache) put(p *domain.IdentityProvider, d *discovered, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen == gen {
		c.entries[cacheKey{p.Tenant, p.ID}] = d
	}
}

// discover returns p's discovery, fetching it (once for concurrent
// sign-ins) when the cache has none.
func (f *Federation) discover(ctx context.Context, p *domain.IdentityProvider) (*discovered, error) {
	d, gen := f.cache.get(p)
	if d != nil {
		return d, nil
	}
	client := f.client(p)
	key := p.Tenant + "\x00" + p.ID + "\x00" + p.Issuer
	if p.ByOperator {
		key += "\x00operator"
	}
	v, err, _ := f.cache.group.Do(key, func() (any, error) {
		// Detached from the first caller's cancellation: others may wait
		// on this fetch; the client's timeout bounds it.
		ctx := oidc.ClientContext(context.WithoutCancel(ctx), client)
		op, err := oidc.NewProvider(ctx, p.Issuer)
		if err != nil {
			return nil, err
		}
		var meta struct {
			AuthMethods []string `json:"token_endpoint_auth_methods_supported"`
		}
		if err := op.Claims(&meta); err != nil {
			return nil, err
		}
		return &discovered{issuer: p.Issuer, byOperator: p.ByOperator, at: f.now(), oidc: op,
			authStyle: authStyle(meta.AuthMethods)}, nil
	})
	if err != nil {
		return nil, err
	}
	d = v.(*discovered)
	f.cache.put(p, d, gen)
	return d, nil
}

// authStyle is how to send the client secret to the token endpoint:
// client_secret_basic (OIDC Discovery's default when the provider names
// none), or client_secret_post when that is all it supports. When it
// names both, oauth2 tries basic first and falls back to post, since
// some providers list basic and accept only post.
func authStyle(methods []string) oauth2.AuthStyle {
	basic := len(methods) == 0 || slices.Contains(methods, "client_secret_basic")
	post := slices.Contains(methods, "client_secret_post")
	switch {
	case basic && post:
		return oauth2.AuthStyleAutoDetect
	case post:
		return oauth2.AuthStyleInParams
	default:
		return oauth2.AuthStyleInHeader
	}
}
