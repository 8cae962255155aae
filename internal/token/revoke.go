package token

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/every"
)

// syncBatch is how many revocations Sync reads per store call.
const syncBatch = 1000

// pruneEvery bounds how often expired revocations are swept from memory.
const pruneEvery = time.Minute

// RevocationStore is the part of store.Store the revocation set needs.
type RevocationStore interface {
	AddRevocation(ctx context.Context, r *domain.Revocation) error
	RevocationsSince(ctx context.Context, after int64, limit int) ([]domain.Revocation, error)
}

// revKey identifies one revocation; tenant is part of it so a jti or family
// id revoked in one tenant never affects another.
type revKey struct {
	tenant, kind, value string
}

// Revocations is this node's view of revoked access tokens and families.
// Access tokens are verified without a database hit, so revocation has to
// reach every node's memory: locally at once, elsewhere via Follow.
type Revocations struct {
	st  RevocationStore
	now func() time.Time

	mu        sync.RWMutex
	set       map[revKey]time.Time // expiry of each revocation
	lastPrune time.Time

	syncMu  sync.Mutex // one Sync at a time; guards lastSeq
	lastSeq int64

	log *slog.Logger
}

// NewRevocations returns an empty set backed by st. Follow reports failed
// reads to log (nil: nowhere).
func NewRevocations(st RevocationStore, log *slog.Logger) *Revocations {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Revocations{
		st:        st,
		now:       time.Now,
		set:       map[revKey]time.Time{},
		lastPrune: time.Now(),
		log:       log,
	}
}

// Follow reads new revocations at once, then whenever wake fires (nil:
// never) and at least every interval, until ctx ends (every.Follow), so
// other nodes' revocations apply here too: within a second, as promised,
// when interval stays below. A failed read is logged and retried.
func (r *Revocations) Follow(ctx context.Context, interval time.Duration, wake func() <-chan struct{}) {
	every.Follow(ctx, interval, wake, r.Sync, func(err error) {
		r.log.WarnContext(ctx, "revocation sync failed", "err", err)
	})
}

// Sync loads revocations newer than the last one seen, once.
func (r *Revocations) Sync(ctx context.Context) error {
	r.syncMu.Lock()
	defer r.syncMu.Unlock()
	for {
		revs, err := r.st.RevocationsSince(ctx, r.lastSeq, syncBatch)
		if err != nil {
			return fmt.Errorf("token: reading revocations: %w", err)
		}
		if len(revs) == 0 {
			break
		}
		r.apply(revs...)
		r.lastSeq = revs[len(revs)-1].Seq
		if len(revs) < syncBatch {
			break
		}
	}
	r.pruneIfDue()
	return nil
}

// Revoke records a revocation in the store and applies it here at once.
func (r *Revocations) Revoke(ctx context.Context, rev *domain.Revocation) error {
	if err := r.st.AddRevocation(ctx, rev); err != nil {
		return fmt.Errorf("token: recording revocation: %w", err)
	}
	r.Noted(*rev)
	return nil
}

// Noted applies a revocation already stored (e.g. by RotateRefreshToken).
// It leaves the sync position alone: the store may hold revocations with
// lower sequence numbers that this node has not read yet.
func (r *Revocations) Noted(rev domain.Revocation) {
	r.apply(rev)
	r.pruneIfDue()
}

// IsRevoked reports whether an access token of tenant with the given jti
// and family is revoked. An empty family (client_credentials tokens) is
// not looked up.
//
// Entries past their expiry may still answer true until pruned; that is
// harmless, since every token they cover has expired too.
func (r *Revocations) IsRevoked(tenant, jti, family string) bool {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if _, ok := r.set[revKey{tenant, domain.RevokeTokenID, jti}]; ok {
		return true
	}
	if family == "" {
		return false
	}
	_, ok := r.set[revKey{tenant, domain.RevokeFamily, family}]
	return ok
}

// Len returns how many revocations this node holds (for metrics).
func (r *Revocations) Len() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.set)
}

func (r *Revocations) apply(revs ...domain.Revocation) {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	for _, rev := range revs {
		if rev.Value == "" || !rev.ExpiresAt.After(now) {
			continue // covers nothing that could still be valid
		}
		k := revKey{rev.Tenant, rev.Kind, rev.Value}
		if old, ok := r.set[k]; !ok || rev.ExpiresAt.After(old) {
			r.set[k] = rev.ExpiresAt
		}
	}
}

// pruneIfDue drops expired revocations, at most once per pruneEvery, so the
// set does not grow with every token ever revoked.
func (r *Revocations) pruneIfDue() {
	now := r.now()
	r.mu.Lock()
	defer r.mu.Unlock()
	if now.Sub(r.lastPrune) < pruneEvery {
		return
	}
	r.lastPrune = now
	for k, exp := range r.set {
		if !exp.After(now) {
			delete(r.set, k)
		}
	}
}
