package admin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/internal/audit"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/gateway/upstream"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/store"
	"github.com/tollgate-dev/tollgate/internal/throttle"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// Page sizes of list use cases.
const (
	DefaultPageSize = 50
	MaxPageSize     = 500
)

// Service performs management use cases after checking the principal may.
type Service struct {
	store     store.Store
	hasher    *secret.Hasher
	keyring   *token.Keyring
	sealer    *secret.Sealer
	limiter   *throttle.Limiter
	upstreams *upstream.Policy
	minPass   int
	events    audit.Sink
	feed      Feed
	draining  <-chan struct{}
	clock     func() time.Time
}

// Feed is this node's follower of the change feed and the revocations.
type Feed interface {
	// CatchUp applies every change committed so far to this node's
	// caches; a use case calls it after its write, so its answer is in
	// effect here when it returns (other nodes follow within a second).
	CatchUp(ctx context.Context) error
	// Woken returns a channel closed when the feed or the revocations
	// may have news: the gateway feed's long polls wait on it.
	Woken() <-chan struct{}
}

// Config holds a Service's dependencies. Store, Hasher and Keyring are
// required.
type Config struct {
	Store   store.Store
	Hasher  *secret.Hasher
	Keyring *token.Keyring
	// Sealer seals embed secrets with the master key; without it no
	// embed secret can be generated.
	Sealer *secret.Sealer
	// Limiter holds the sign-in failure counters that UnlockUser clears;
	// the token endpoint must share it. nil: users cannot be unlocked.
	Limiter *throttle.Limiter
	// Upstreams decides which upstreams an admin may give an API; nil is
	// upstream.Strict, which knows no allow-list and no listeners.
	Upstreams *upstream.Policy
	// PasswordMinLength is the fewest characters a password set or
	// imported as plaintext may have; 0 is the default.
	PasswordMinLength int
	// Events, when set, receives an audit event for every change.
	Events audit.Sink
	// Feed, when set, is caught up after every change; nil for a
	// Service whose node caches nothing (tests, one-shot commands).
	Feed Feed
	// Draining, when closed, ends the gateway feed's long polls, so a
	// shutdown does not wait for them.
	Draining <-chan struct{}
	// Now returns the current time (nil: time.Now); tests move it.
	Now func() time.Time
}

// NewService returns a Service.
func NewService(c Config) *Service {
	if c.Upstreams == nil {
		c.Upstreams = upstream.Strict()
	}
	if c.PasswordMinLength == 0 {
		c.PasswordMinLength = domain.DefaultPasswordMinLength
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return &Service{
		store: c.Store, hasher: c.Hasher, keyring: c.Keyring, sealer: c.Sealer, limiter: c.Limiter,
		upstreams: c.Upstreams, minPass: c.PasswordMinLength, events: c.Events, feed: c.Feed,
		draining: c.Draining, clock: c.Now,
	}
}

// Now returns the current time in UTC, on the clock the Service was given.
func (s *Service) Now() time.Time { return s.clock().UTC() }

// adminOf checks that p administers tenant and that tenant exists. The
// permission comes first so a stranger cannot probe which tenants exist.
func (s *Service) adminOf(ctx context.Context, p Principal, tenant string) error {
	if err := canAdmin(p, tenant); err != nil {
		return err
	}
	return s.tenantExists(ctx, tenant)
}

func (s *Service) tenantExists(ctx context.Context, tenant string) error {
	if _, err := s.store.GetTenant(ctx, tenant); err != nil {
		if errors.Is(err, domain.ErrNotFound) {
			return fmt.Errorf("tenant %q: %w", tenant, domain.ErrNotFound)
		}
		return err
	}
	return nil
}

// pageOf normalises a requested page; the store is asked for one record
// more than the page holds, to know whether a next page exists.
func pageOf(p domain.Page) domain.Page {
	if p.Limit <= 0 {
		p.Limit = DefaultPageSize
	}
	if p.Limit > MaxPageSize {
		p.Limit = MaxPageSize
	}
	return domain.Page{After: p.After, Limit: p.Limit + 1, Prefix: p.Prefix}
}

// trimPage cuts the extra record fetched by pageOf and returns the cursor
// of the next page, "" on the last one.
func trimPage[T any](items []T, p domain.Page, id func(*T) string) ([]T, string) {
	if len(items) < p.Limit {
		return items, ""
	}
	items = items[:p.Limit-1]
	if len(items) == 0 {
		return items, ""
	}
	return items, id(&items[len(items)-1])
}

// checkScopesExist reports an InvalidError on field for any scope the
// tenant does not define.
func (s *Service) checkScopesExist(ctx context.Context, tenant, field string, scopes []string) error {
	for _, id := range scopes {
		if _, err := s.store.GetScope(ctx, tenant, id); err != nil {
			if errors.Is(err, domain.ErrNotFound) {
				return domain.Invalid(field, "unknown scope %q", id)
			}
			return err
		}
	}
	return nil
}

// checkRolesExist reports an InvalidError on field for any role the
// tenant does not define.
func (s *Service) checkRolesExist(ctx context.Context, tenant, field string, roles []string) error {
	for _, id := range roles {
		if _, err := s.store.GetRole(ctx, tenant, id); err != nil {
			if errors.Is(err, domain.ErrNotFound) {
				return domain.Invalid(field, "unknown role %q", id)
			}
			return err
		}
	}
	return nil
}

// RotateSigningKey makes a new active signing key for tenant with
// algorithm alg (empty: the active key's); tokens signed with the old key
// stay valid while it is published. An unsupported alg is an error
// wrapping token.ErrUnsupportedAlgorithm, and nothing changes. The audit
// event's target is the new key's algorithm.
func (s *Service) RotateSigningKey(ctx context.Context, p Principal, tenant, alg string) error {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return err
	}
	if err := s.keyring.Rotate(ctx, tenant, alg); err != nil {
		return err
	}
	if algs, err := s.keyring.Algorithms(ctx, tenant); err == nil {
		alg = algs[0] // the active key's, now the new one
	}
	return s.changed(ctx, p, tenant, "signing_key.rotate", alg, nil)
}

// nonNil keeps lists non-nil so they encode as [] rather than null.
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
