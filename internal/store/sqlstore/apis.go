package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

const apiCols = `tenant, id, context, upstream, resources, created_at, updated_at, operator_upstream`

// storedResource is the column form of a resource; domain types carry no
// JSON tags, so the encoding is pinned here.
type storedResource struct {
	Method string   `json:"method"`
	Path   string   `json:"path"`
	Scopes []string `json:"scopes"`
	Public bool     `json:"public,omitempty"`
}

func encResources(rs []domain.APIResource) string {
	out := make([]storedResource, len(rs))
	for i, r := range rs {
		out[i] = storedResource{Method: r.Method, Path: r.Path, Scopes: r.Scopes, Public: r.Public}
	}
	b, _ := json.Marshal(out) // plain strings and bools always marshal
	return string(b)
}

// resourcesCol scans the JSON column into *rs.
type resourcesCol struct{ rs *[]domain.APIResource }

func (c resourcesCol) Scan(src any) error {
	raw, err := textBytes(src, "resources")
	if err != nil {
		return err
	}
	var in []storedResource
	if err := json.Unmarshal(raw, &in); err != nil {
		return fmt.Errorf("sqlstore: bad resources column: %w", err)
	}
	out := make([]domain.APIResource, len(in))
	for i, r := range in {
		if r.Scopes == nil {
			r.Scopes = []string{}
		}
		out[i] = domain.APIResource{Method: r.Method, Path: r.Path, Scopes: r.Scopes, Public: r.Public}
	}
	*c.rs = out
	return nil
}

func scanAPI(sc interface{ Scan(...any) error }, a *domain.API) error {
	return sc.Scan(&a.Tenant, &a.ID, &a.Context, &a.Upstream, resourcesCol{&a.Resources},
		timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt}, &a.OperatorUpstream)
}

// apiContextLockKey is the pg_advisory lock that serialises the writes of
// API contexts, so two concurrent writes cannot both pass claimContext.
// SQLite's one writer runs them one at a time anyway.
const apiContextLockKey = 0x617069637478

// claimContext refuses, inside the writing transaction, a context that
// clashes with another API's (domain.ContextsClash). No index can state
// the rule: the prefix check spans tenants and the comparison ignores
// case. The error names the context taken.
func claimContext(ctx context.Context, tx *tx, tenant, id, apiContext string) error {
	if tx.d.postgres {
		if _, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(apiContextLockKey)); err != nil {
			return err
		}
	}
	type other struct{ tenant, context string }
	others, err := queryAll(ctx, tx, func(rows *sql.Rows, o *other) error {
		return rows.Scan(&o.tenant, &o.context)
	}, `SELECT tenant, context FROM apis WHERE NOT (tenant = ? AND id = ?)`, tenant, id)
	if err != nil {
		return err
	}
	for _, o := range others {
		if domain.ContextsClash(apiContext, o.context, o.tenant == tenant) {
			return fmt.Errorf("context %q clashes with %q, the context of another API: %w", apiContext, o.context, domain.ErrConflict)
		}
	}
	return nil
}

// CreateAPI stores a new API; ErrConflict when the tenant has the id or
// the context clashes with another API's.
func (s *Store) CreateAPI(ctx context.Context, tenant string, a *domain.API) error {
	if a.CreatedAt.IsZero() {
		a.CreatedAt = time.Now()
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = a.CreatedAt
	}
	a.CreatedAt, a.UpdatedAt = normTime(a.CreatedAt), normTime(a.UpdatedAt)
	return s.writeChange(ctx, change{tenant, domain.EntityAPI, a.ID}, func(tx *tx) error {
		if err := claimContext(ctx, tx, tenant, a.ID, a.Context); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO apis (`+apiCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			tenant, a.ID, a.Context, a.Upstream, encResources(a.Resources),
			tx.d.ts(a.CreatedAt), tx.d.ts(a.UpdatedAt), a.OperatorUpstream)
		if err != nil {
			return fmt.Errorf("api %q: %w", a.ID, mapErr(err))
		}
		a.Tenant = tenant
		return requireAll(ctx, tx, tenant, "scope", "resources", resourceScopes(a.Resources))
	})
}

// GetAPI returns one API of the tenant.
func (s *Store) GetAPI(ctx context.Context, tenant, id string) (*domain.API, error) {
	return findAPI(ctx, s.reader(ctx), tenant, id, "")
}

// findAPI reads an API; lock is "" or the dialect's forUpdate.
func findAPI(ctx context.Context, tx *tx, tenant, id, lock string) (*domain.API, error) {
	var a domain.API
	row := tx.queryRow(ctx, `SELECT `+apiCols+` FROM apis WHERE tenant = ? AND id = ?`+lock, tenant, id)
	if err := scanAPI(row, &a); err != nil {
		return nil, notFound(err, "api", id)
	}
	return &a, nil
}

// ListAPIs returns a page of the tenant's APIs ordered by id.
func (s *Store) ListAPIs(ctx context.Context, tenant string, p domain.Page) ([]domain.API, error) {
	return s.listAPIs(ctx, `SELECT `+apiCols+` FROM apis WHERE tenant = ? AND id > ? ORDER BY id LIMIT ?`,
		tenant, p.After, pageLimit(p))
}

// AllAPIs returns every tenant's APIs: the gateway's route table.
func (s *Store) AllAPIs(ctx context.Context) ([]domain.API, error) {
	return s.listAPIs(ctx, `SELECT `+apiCols+` FROM apis ORDER BY tenant, id`)
}

func (s *Store) listAPIs(ctx context.Context, q string, args ...any) ([]domain.API, error) {
	return queryAll(ctx, s.reader(ctx), func(rows *sql.Rows, a *domain.API) error {
		return scanAPI(rows, a)
	}, q, args...)
}

// UpdateAPI is a compare-and-swap of every attribute but the id (see
// store.Store); ErrConflict when the new context clashes with another
// API's (claimContext, in the same transaction).
func (s *Store) UpdateAPI(ctx context.Context, tenant, id string, fn func(*domain.API) error) (*domain.API, error) {
	return update(ctx, s, change{tenant, domain.EntityAPI, id}, func(tx *tx) (*domain.API, error) {
		return findAPI(ctx, tx, tenant, id, tx.d.forUpdate())
	}, fn, func(tx *tx, a *domain.API, now time.Time) error {
		a.Tenant, a.ID, a.UpdatedAt = tenant, id, now
		if err := claimContext(ctx, tx, tenant, id, a.Context); err != nil {
			return err
		}
		if err := requireAll(ctx, tx, tenant, "scope", "resources", resourceScopes(a.Resources)); err != nil {
			return err
		}
		_, err := tx.exec(ctx,
			`UPDATE apis SET context = ?, upstream = ?, resources = ?, updated_at = ?, operator_upstream = ? WHERE tenant = ? AND id = ?`,
			a.Context, a.Upstream, encResources(a.Resources), tx.d.ts(now), a.OperatorUpstream, tenant, id)
		if err != nil {
			return fmt.Errorf("api %q: %w", id, mapErr(err)) // another API has the context
		}
		return nil
	})
}

// DeleteAPI removes an API.
func (s *Store) DeleteAPI(ctx context.Context, tenant, id string) error {
	return s.writeChange(ctx, change{tenant, domain.EntityAPI, id}, func(tx *tx) error {
		return tx.execOne(ctx, fmt.Errorf("api %q: %w", id, domain.ErrNotFound),
			`DELETE FROM apis WHERE tenant = ? AND id = ?`, tenant, id)
	})
}
