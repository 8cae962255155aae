package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// pageLimit applies the paging defaults: 100 when unset, at most 1000.
func pageLimit(p domain.Page) int {
	switch {
	case p.Limit <= 0:
		return 100
	case p.Limit > 1000:
		return 1000
	}
	return p.Limit
}

// pageIDs is the condition of a page on the ID column col: after
// p.After and, with p.Prefix, within the prefix's range. IDs compare
// bytewise (COLLATE "C" on PostgreSQL), so the range is an index scan;
// U+10FFFF is the greatest character a valid UTF-8 ID can continue with.
func pageIDs(col string, p domain.Page) (string, []any) {
	if p.Prefix == "" {
		return col + " > ?", []any{p.After}
	}
	// One lower bound, the greater: given two, SQLite's planner starts
	// the index range at one of them and filters by the other, which
	// read every ID from the cursor ('' on the first page) to the prefix.
	if p.After < p.Prefix {
		return col + " >= ? AND " + col + " < ?", []any{p.Prefix, p.Prefix + "\U0010FFFF"}
	}
	return col + " > ? AND " + col + " < ?", []any{p.After, p.Prefix + "\U0010FFFF"}
}

const tenantCols = `id, name, api_token_max_ttl_ns, session_idle_timeout_ns, session_max_age_ns, created_at`

func scanTenant(sc interface{ Scan(...any) error }, t *domain.Tenant) error {
	var maxTTL, idle, maxAge int64
	err := sc.Scan(&t.ID, &t.Name, &maxTTL, &idle, &maxAge, timeCol{&t.CreatedAt})
	t.APITokenMaxTTL, t.SessionIdleTimeout, t.SessionMaxAge = time.Duration(maxTTL), time.Duration(idle), time.Duration(maxAge)
	return err
}

// CreateTenant stores t together with its built-in admin scope and role.
func (s *Store) CreateTenant(ctx context.Context, t *domain.Tenant) error {
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	t.CreatedAt = normTime(t.CreatedAt)
	return s.writeChange(ctx, change{t.ID, domain.EntityTenant, t.ID}, func(tx *tx) error {
		if _, err := tx.exec(ctx, `INSERT INTO tenants (`+tenantCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
			t.ID, t.Name, int64(t.APITokenMaxTTL), int64(t.SessionIdleTimeout), int64(t.SessionMaxAge),
			tx.d.ts(t.CreatedAt)); err != nil {
			return fmt.Errorf("tenant %q: %w", t.ID, mapErr(err))
		}
		if err := createScope(ctx, tx, t.ID, &domain.Scope{ID: domain.AdminScope, Description: "Administer this tenant"}); err != nil {
			return err
		}
		return createRole(ctx, tx, t.ID, &domain.Role{ID: domain.AdminRole, Scopes: []string{domain.AdminScope}})
	})
}

// GetTenant returns one tenant.
func (s *Store) GetTenant(ctx context.Context, id string) (*domain.Tenant, error) {
	return findTenant(ctx, s.reader(ctx), id, "")
}

// findTenant reads a tenant; lock is "" or the dialect's forUpdate.
func findTenant(ctx context.Context, tx *tx, id, lock string) (*domain.Tenant, error) {
	var t domain.Tenant
	err := scanTenant(tx.queryRow(ctx, `SELECT `+tenantCols+` FROM tenants WHERE id = ?`+lock, id), &t)
	if err != nil {
		return nil, notFound(err, "tenant", id)
	}
	return &t, nil
}

// ListTenants returns a page of tenants ordered by ID.
func (s *Store) ListTenants(ctx context.Context, p domain.Page) ([]domain.Tenant, error) {
	cond, args := pageIDs("id", p)
	return queryAll(ctx, s.reader(ctx), func(rows *sql.Rows, t *domain.Tenant) error {
		return scanTenant(rows, t)
	}, `SELECT `+tenantCols+` FROM tenants WHERE `+cond+` ORDER BY id LIMIT ?`, append(args, pageLimit(p))...)
}

// UpdateTenant is a compare-and-swap of a tenant's name, API-token
// lifetime cap and session timeouts (see store.Store).
func (s *Store) UpdateTenant(ctx context.Context, id string, fn func(*domain.Tenant) error) (*domain.Tenant, error) {
	return update(ctx, s, change{id, domain.EntityTenant, id}, func(tx *tx) (*domain.Tenant, error) {
		return findTenant(ctx, tx, id, tx.d.forUpdate())
	}, fn, func(tx *tx, t *domain.Tenant, _ time.Time) error {
		t.ID = id
		_, err := tx.exec(ctx, `UPDATE tenants SET name = ?, api_token_max_ttl_ns = ?,
			session_idle_timeout_ns = ?, session_max_age_ns = ? WHERE id = ?`,
			t.Name, int64(t.APITokenMaxTTL), int64(t.SessionIdleTimeout), int64(t.SessionMaxAge), id)
		return err
	})
}

// DeleteTenant removes a tenant; foreign keys cascade to all its rows.
func (s *Store) DeleteTenant(ctx context.Context, id string) error {
	return s.writeChange(ctx, change{id, domain.EntityTenant, id}, func(tx *tx) error {
		if err := tx.execOne(ctx, fmt.Errorf("tenant %q: %w", id, domain.ErrNotFound),
			`DELETE FROM tenants WHERE id = ?`, id); err != nil {
			return err
		}
		// Audit data has no foreign key (events are appended in batches that
		// must not fail on a tenant deleted meanwhile), so it goes here: a
		// new tenant reusing the id must not read the old one's history.
		for _, table := range []string{"audit_events", "token_counts", "refusal_counts", "app_users"} {
			if _, err := tx.exec(ctx, `DELETE FROM `+table+` WHERE tenant = ?`, id); err != nil {
				return err
			}
		}
		return nil
	})
}

// CreateScope stores a new scope.
func (s *Store) CreateScope(ctx context.Context, tenant string, sc *domain.Scope) error {
	return s.writeChange(ctx, change{tenant, domain.EntityScope, sc.ID}, func(tx *tx) error { return createScope(ctx, tx, tenant, sc) })
}

func createScope(ctx context.Context, tx *tx, tenant string, sc *domain.Scope) error {
	_, err := tx.exec(ctx, `INSERT INTO scopes (tenant, id, description) VALUES (?, ?, ?)`,
		tenant, sc.ID, sc.Description)
	if err != nil {
		return fmt.Errorf("scope %q: %w", sc.ID, mapErr(err))
	}
	sc.Tenant = tenant
	return nil
}

// GetScope returns one scope.
func (s *Store) GetScope(ctx context.Context, tenant, id string) (*domain.Scope, error) {
	return findScope(ctx, s.reader(ctx), tenant, id, "")
}

// findScope reads a scope; lock is "" or the dialect's forUpdate.
func findScope(ctx context.Context, tx *tx, tenant, id, lock string) (*domain.Scope, error) {
	sc := domain.Scope{Tenant: tenant, ID: id}
	err := tx.queryRow(ctx, `SELECT description FROM scopes WHERE tenant = ? AND id = ?`+lock, tenant, id).
		Scan(&sc.Description)
	if err != nil {
		return nil, notFound(err, "scope", id)
	}
	return &sc, nil
}

// ListScopes returns a page of the tenant's scopes ordered by ID.
func (s *Store) ListScopes(ctx context.Context, tenant string, p domain.Page) ([]domain.Scope, error) {
	return queryAll(ctx, s.reader(ctx), func(rows *sql.Rows, sc *domain.Scope) error {
		sc.Tenant = tenant
		return rows.Scan(&sc.ID, &sc.Description)
	}, `SELECT id, description FROM scopes
		WHERE tenant = ? AND id > ? ORDER BY id LIMIT ?`, tenant, p.After, pageLimit(p))
}

// UpdateScope is a compare-and-swap of a scope's description (see
// store.Store).
func (s *Store) UpdateScope(ctx context.Context, tenant, id string, fn func(*domain.Scope) error) (*domain.Scope, error) {
	return update(ctx, s, change{tenant, domain.EntityScope, id}, func(tx *tx) (*domain.Scope, error) {
		return findScope(ctx, tx, tenant, id, tx.d.forUpdate())
	}, fn, func(tx *tx, sc *domain.Scope, _ time.Time) error {
		sc.Tenant, sc.ID = tenant, id
		_, err := tx.exec(ctx, `UPDATE scopes SET description = ? WHERE tenant = ? AND id = ?`,
			sc.Description, tenant, id)
		return err
	})
}

// DeleteScope removes a scope that no role, application or API names,
// or, with force, one that no API names, after removing it from the
// roles and applications (refs.go).
func (s *Store) DeleteScope(ctx context.Context, tenant, id string, force bool) ([]string, error) {
	var apps []string
	err := s.writeWithin(ctx, s.bulk(), func(tx *tx) error {
		var err error
		if apps, err = deleteReferenced(ctx, tx, tenant, "scope", id, force); err != nil {
			return err
		}
		return change{tenant, domain.EntityScope, id}.append(ctx, tx)
	})
	if err != nil {
		return nil, err
	}
	return apps, nil
}

// CreateRole stores a new role.
func (s *Store) CreateRole(ctx context.Context, tenant string, r *domain.Role) error {
	return s.writeChange(ctx, change{tenant, domain.EntityRole, r.ID}, func(tx *tx) error { return createRole(ctx, tx, tenant, r) })
}

func createRole(ctx context.Context, tx *tx, tenant string, r *domain.Role) error {
	_, err := tx.exec(ctx, `INSERT INTO roles (tenant, id, scopes) VALUES (?, ?, ?)`,
		tenant, r.ID, encList(r.Scopes))
	if err != nil {
		return fmt.Errorf("role %q: %w", r.ID, mapErr(err))
	}
	r.Tenant = tenant
	return requireAll(ctx, tx, tenant, "scope", "scopes", r.Scopes)
}

// GetRole returns one role.
func (s *Store) GetRole(ctx context.Context, tenant, id string) (*domain.Role, error) {
	return findRole(ctx, s.reader(ctx), tenant, id, "")
}

// findRole reads a role; lock is "" or the dialect's forUpdate.
func findRole(ctx context.Context, tx *tx, tenant, id, lock string) (*domain.Role, error) {
	r := domain.Role{Tenant: tenant, ID: id}
	err := tx.queryRow(ctx, `SELECT scopes FROM roles WHERE tenant = ? AND id = ?`+lock, tenant, id).
		Scan(listCol{&r.Scopes})
	if err != nil {
		return nil, notFound(err, "role", id)
	}
	return &r, nil
}

// ListRoles returns a page of the tenant's roles ordered by ID.
func (s *Store) ListRoles(ctx context.Context, tenant string, p domain.Page) ([]domain.Role, error) {
	return queryAll(ctx, s.reader(ctx), func(rows *sql.Rows, r *domain.Role) error {
		r.Tenant = tenant
		return rows.Scan(&r.ID, listCol{&r.Scopes})
	}, `SELECT id, scopes FROM roles
		WHERE tenant = ? AND id > ? ORDER BY id LIMIT ?`, tenant, p.After, pageLimit(p))
}

// UpdateRole is a compare-and-swap of a role's scopes (see store.Store).
func (s *Store) UpdateRole(ctx context.Context, tenant, id string, fn func(*domain.Role) error) (*domain.Role, error) {
	return update(ctx, s, change{tenant, domain.EntityRole, id}, func(tx *tx) (*domain.Role, error) {
		return findRole(ctx, tx, tenant, id, tx.d.forUpdate())
	}, fn, func(tx *tx, r *domain.Role, _ time.Time) error {
		r.Tenant, r.ID = tenant, id
		if err := requireAll(ctx, tx, tenant, "scope", "scopes", r.Scopes); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `UPDATE roles SET scopes = ? WHERE tenant = ? AND id = ?`, encList(r.Scopes), tenant, id)
		return err
	})
}

// DeleteRole removes a role that no user holds or, with force, removes it
// from its users too (refs.go).
func (s *Store) DeleteRole(ctx context.Context, tenant, id string, force bool) error {
	return s.writeWithin(ctx, s.bulk(), func(tx *tx) error {
		if _, err := deleteReferenced(ctx, tx, tenant, "role", id, force); err != nil {
			return err
		}
		return change{tenant, domain.EntityRole, id}.append(ctx, tx)
	})
}

// RoleScopes returns the sorted union of the named roles' scopes in one query.
func (s *Store) RoleScopes(ctx context.Context, tenant string, roles []string) ([]string, error) {
	out := []string{}
	if len(roles) == 0 {
		return out, nil
	}
	args := make([]any, 0, len(roles)+1)
	args = append(args, tenant)
	for _, r := range roles {
		args = append(args, r)
	}
	q := `SELECT scopes FROM roles WHERE tenant = ? AND id IN (?` + strings.Repeat(", ?", len(roles)-1) + `)`
	rows, err := s.reader(ctx).query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var l []string
		if err := rows.Scan(listCol{&l}); err != nil {
			return nil, err
		}
		out = append(out, l...)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	slices.Sort(out)
	return slices.Compact(out), nil
}
