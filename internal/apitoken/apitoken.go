// Package apitoken authenticates personal API tokens (issue 5): it refuses
// malformed tokens without a lookup, finds the others by hash through a
// short-lived cache, honours deletions at once through the revocation set,
// and records last-used times in batches instead of a write per request.
package apitoken

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/tollgate-dev/tollgate/internal/cache"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/every"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// ErrInvalid: the token is malformed, unknown, expired, deleted, or its user
// is gone or disabled. Callers answer 401 (or inactive) and say no more.
var ErrInvalid = errors.New("invalid api token")

// Store is the part of store.Store the Verifier needs.
type Store interface {
	GetAPITokenByHash(ctx context.Context, tenant string, hash []byte) (*domain.APIToken, error)
	GetUserWithScopes(ctx context.Context, tenant, id string) (*domain.User, []string, error)
	RecordAPITokenUses(ctx context.Context, uses []domain.APITokenUse) error
}

// Identity is what a valid API token stands for.
type Identity struct {
	Tenant    string
	UserID    string
	TokenID   string
	Scopes    []string // the token's scopes that the user still holds
	CreatedAt time.Time
	ExpiresAt *time.Time
}

// Config tunes a Verifier; zero values pick the defaults.
type Config struct {
	// CacheTTL bounds how long a looked-up token (and its user's roles)
	// is trusted without reading the store again. Deletions do not wait
	// for it: they reach every node through the revocation set.
	CacheTTL time.Duration
	// CacheSize bounds the number of cached tokens.
	CacheSize int
	Now       func() time.Time
}

type cacheKey struct {
	tenant string
	hash   [32]byte
}

type entry struct {
	hash     []byte
	id       Identity
	disabled bool
}

type useKey struct{ tenant, user, id string }

// Verifier checks API tokens. It is safe for concurrent use.
type Verifier struct {
	st    Store
	rev   *token.Revocations // nil: deletions apply when the cache expires
	cache *cache.TTL[cacheKey, *entry]
	now   func() time.Time

	mu      sync.Mutex
	pending map[useKey]time.Time // last use per token since the last flush
}

// NewVerifier returns a Verifier reading st and following rev.
func NewVerifier(st Store, rev *token.Revocations, c Config) *Verifier {
	if c.CacheTTL <= 0 {
		c.CacheTTL = 5 * time.Second
	}
	if c.CacheSize <= 0 {
		c.CacheSize = 100_000
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Verifier{
		st: st, rev: rev, now: c.Now,
		cache:   cache.New[cacheKey, *entry](c.CacheTTL, c.CacheSize),
		pending: map[useKey]time.Time{},
	}
}

// Changed drops the cached tokens when a change may alter what their
// users may do (a feed.Handler): a disabled user, a role's scopes.
func (v *Verifier) Changed(_ context.Context, c domain.Change) error {
	if c.TouchesUsers() {
		v.cache.Clear()
	}
	return nil
}

// Lookup returns the identity of raw, an API token presented in tenant,
// and notes the use. It returns ErrInvalid for any token that must not be
// accepted, other errors only when the store failed.
func (v *Verifier) Lookup(ctx context.Context, tenant, raw string) (*Identity, error) {
	// The checksum refuses typos and guesses without touching the store.
	if !token.CheckOpaque(raw, token.PrefixAPI) {
		return nil, ErrInvalid
	}
	h := secret.HashToken(raw)
	if v.rev != nil && v.rev.IsRevokedValue(tenant, domain.RevokeAPIToken, hex.EncodeToString(h)) {
		return nil, ErrInvalid
	}
	k := cacheKey{tenant: tenant, hash: [32]byte(h)}
	e, ok := v.cache.Get(k)
	if !ok {
		version := v.cache.Version()
		fresh, err := v.load(ctx, tenant, h)
		switch {
		case err == nil:
			e = fresh
			v.cache.PutIfUnchanged(k, e, version)
		case errors.Is(err, domain.ErrUnavailable):
			// The database is down: a token this node knew stays good,
			// as JWTs do; deletions still apply through the revocation
			// set checked above.
			if e, ok = v.cache.Stale(k); !ok {
				return nil, err
			}
		default:
			return nil, err
		}
	}
	// The map and the index found the record by hash; this compare is the
	// one that decides, and it takes the same time whatever the bytes.
	if !secret.Equal(e.hash, h) || e.disabled {
		return nil, ErrInvalid
	}
	now := v.now()
	if e.id.ExpiresAt != nil && !e.id.ExpiresAt.After(now) {
		return nil, ErrInvalid
	}
	v.noteUse(useKey{tenant, e.id.UserID, e.id.TokenID}, now)
	id := e.id
	id.Scopes = slices.Clone(e.id.Scopes)
	return &id, nil
}

// load reads a token and its user. Scopes the user no longer holds (a role
// was taken away) drop out of the token's effective scopes.
func (v *Verifier) load(ctx context.Context, tenant string, h []byte) (*entry, error) {
	t, err := v.st.GetAPITokenByHash(ctx, tenant, h)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, ErrInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("apitoken: lookup: %w", err)
	}
	u, held, err := v.st.GetUserWithScopes(ctx, tenant, t.UserID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, ErrInvalid
	}
	if err != nil {
		return nil, fmt.Errorf("apitoken: user: %w", err)
	}
	scopes := make([]string, 0, len(t.Scopes))
	for _, s := range t.Scopes {
		if slices.Contains(held, s) {
			scopes = append(scopes, s)
		}
	}
	return &entry{hash: t.Hash, disabled: u.Disabled, id: Identity{
		Tenant: tenant, UserID: t.UserID, TokenID: t.ID, Scopes: scopes,
		CreatedAt: t.CreatedAt, ExpiresAt: t.ExpiresAt,
	}}, nil
}

func (v *Verifier) noteUse(k useKey, at time.Time) {
	v.mu.Lock()
	if old, ok := v.pending[k]; !ok || at.After(old) {
		v.pending[k] = at
	}
	v.mu.Unlock()
}

// Pending returns how many tokens have uses not yet flushed.
func (v *Verifier) Pending() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.pending)
}

// Flush writes the uses noted since the last flush in one store call. On
// failure they are kept for the next flush.
func (v *Verifier) Flush(ctx context.Context) error {
	v.mu.Lock()
	batch := v.pending
	v.pending = map[useKey]time.Time{}
	v.mu.Unlock()
	if len(batch) == 0 {
		return nil
	}
	uses := make([]domain.APITokenUse, 0, len(batch))
	for k, at := range batch {
		uses = append(uses, domain.APITokenUse{Tenant: k.tenant, UserID: k.user, ID: k.id, At: at})
	}
	if err := v.st.RecordAPITokenUses(ctx, uses); err != nil {
		for k, at := range batch {
			v.noteUse(k, at)
		}
		return fmt.Errorf("apitoken: recording last use: %w", err)
	}
	return nil
}

// Run flushes every interval until ctx ends. The final flush is the
// caller's (after the server stopped taking requests, before the store
// closes), so no use noted during shutdown is lost.
func (v *Verifier) Run(ctx context.Context, interval time.Duration, onErr func(error)) {
	every.Run(ctx, interval, func(ctx context.Context) {
		if err := v.Flush(ctx); err != nil && ctx.Err() == nil && onErr != nil {
			onErr(err)
		}
	})
}
