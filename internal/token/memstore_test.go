package token

import (
	"context"
	"slices"
	"sync"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// memStore implements the keyring's and revocation set's slices of the
// store contract in memory, for the pure unit tests and fuzzing; the same
// tests also run against sqlstore (see sqlstore_test.go).
type memStore struct {
	mu    sync.Mutex
	keys  map[string][]domain.SigningKey // per tenant, oldest first
	revs  []domain.Revocation
	lists int // ListSigningKeys calls, to check caching
}

func newMemStore() *memStore { return &memStore{keys: map[string][]domain.SigningKey{}} }

func (m *memStore) CreateSigningKey(_ context.Context, tenant string, k *domain.SigningKey) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, o := range m.keys[tenant] {
		if o.ID == k.ID {
			return domain.ErrConflict
		}
	}
	m.keys[tenant] = append(m.keys[tenant], *k)
	return nil
}

func (m *memStore) RotateSigningKey(_ context.Context, tenant string, next *domain.SigningKey, publishUntil time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	ks := m.keys[tenant]
	for i := range ks {
		if ks[i].Use == next.Use && (ks[i].RetiredAt == nil || ks[i].RetiredAt.After(next.CreatedAt)) {
			now, pu := next.CreatedAt, publishUntil
			ks[i].RetiredAt, ks[i].PublishUntil = &now, &pu
		}
	}
	m.keys[tenant] = append(ks, *next)
	return nil
}

func (m *memStore) ScheduleSigningKey(ctx context.Context, tenant string, next *domain.SigningKey, publishUntil, dueBefore time.Time) error {
	m.mu.Lock()
	for _, k := range m.keys[tenant] {
		if k.Use == next.Use && k.CreatedAt.After(dueBefore) {
			m.mu.Unlock()
			return domain.ErrConflict
		}
	}
	m.mu.Unlock()
	return m.RotateSigningKey(ctx, tenant, next, publishUntil)
}

func (m *memStore) DueSigningKeys(_ context.Context, createdBefore time.Time) ([]domain.KeyUseRef, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	newest := map[domain.KeyUseRef]time.Time{}
	for tenant, ks := range m.keys {
		for _, k := range ks {
			r := domain.KeyUseRef{Tenant: tenant, Use: k.Use}
			if k.CreatedAt.After(newest[r]) {
				newest[r] = k.CreatedAt
			}
		}
	}
	var out []domain.KeyUseRef
	for r, t := range newest {
		if !t.After(createdBefore) {
			out = append(out, r)
		}
	}
	return out, nil
}

func (m *memStore) ListSigningKeys(_ context.Context, tenant string, now time.Time) ([]domain.SigningKey, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.lists++
	var out []domain.SigningKey
	for _, k := range slices.Backward(m.keys[tenant]) {
		if k.RetiredAt == nil || k.PublishUntil != nil && k.PublishUntil.After(now) {
			out = append(out, k)
		}
	}
	return out, nil
}

func (m *memStore) AddRevocation(_ context.Context, r *domain.Revocation) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	r.Seq = int64(len(m.revs) + 1)
	m.revs = append(m.revs, *r)
	return nil
}

func (m *memStore) RevocationsSince(_ context.Context, after int64, limit int) ([]domain.Revocation, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if after >= int64(len(m.revs)) {
		return nil, nil
	}
	out := m.revs[after:]
	if len(out) > limit {
		out = out[:limit]
	}
	return slices.Clone(out), nil
}
