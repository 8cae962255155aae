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

const userCols = `id, email, display_name, password_hash, roles, source, disabled, created_at, updated_at, imported_hash`

// roleScopesOfU is a scalar subquery: the JSON array of the scopes granted
// by the roles of the user row aliased u ('[]' when none). Roles and scope
// lists are JSON text, which each dialect unnests with its own functions;
// unknown role names contribute nothing.
func (d *dialect) roleScopesOfU() string {
	if d.postgres {
		return `(SELECT COALESCE(json_agg(DISTINCT s), '[]') FROM roles r, jsonb_array_elements_text(r.scopes::jsonb) s
			WHERE r.tenant = u.tenant AND r.id IN (SELECT jsonb_array_elements_text(u.roles::jsonb)))`
	}
	return `(SELECT json_group_array(DISTINCT s.value) FROM roles r, json_each(r.scopes) s
		WHERE r.tenant = u.tenant AND r.id IN (SELECT value FROM json_each(u.roles)))`
}

// prefixed qualifies each column of a comma-separated list with p.
func prefixed(p, cols string) string {
	return p + strings.ReplaceAll(cols, ", ", ", "+p)
}

func scanUser(sc interface{ Scan(...any) error }, u *domain.User) error {
	return sc.Scan(&u.ID, &u.Email, &u.DisplayName, &u.PasswordHash, listCol{&u.Roles}, &u.Source,
		&u.Disabled, timeCol{&u.CreatedAt}, timeCol{&u.UpdatedAt}, &u.ImportedHash)
}

// CreateUser stores a new user; CreatedAt and UpdatedAt default to now.
func (s *Store) CreateUser(ctx context.Context, tenant string, u *domain.User) error {
	stampUser(u)
	return s.writeChange(ctx, change{tenant, domain.EntityUser, u.ID}, func(tx *tx) error {
		return insertUser(ctx, tx, tenant, u)
	})
}

// stampUser defaults a new user's CreatedAt and UpdatedAt to now.
func stampUser(u *domain.User) {
	if u.CreatedAt.IsZero() {
		u.CreatedAt = time.Now()
	}
	if u.UpdatedAt.IsZero() {
		u.UpdatedAt = u.CreatedAt
	}
	u.CreatedAt, u.UpdatedAt = normTime(u.CreatedAt), normTime(u.UpdatedAt)
}

// insertUser writes a new user of tenant in tx (ErrConflict for an id
// taken) and checks its roles; the caller appends the change.
func insertUser(ctx context.Context, tx *tx, tenant string, u *domain.User) error {
	_, err := tx.exec(ctx, `INSERT INTO users (tenant, `+userCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tenant, u.ID, u.Email, u.DisplayName, u.PasswordHash, encList(u.Roles), u.Source, u.Disabled,
		tx.d.ts(u.CreatedAt), tx.d.ts(u.UpdatedAt), u.ImportedHash)
	if err != nil {
		return fmt.Errorf("user %q: %w", u.ID, mapErr(err))
	}
	u.Tenant = tenant
	return requireAll(ctx, tx, tenant, "role", "roles", u.Roles)
}

// GetUser returns one user.
func (s *Store) GetUser(ctx context.Context, tenant, id string) (*domain.User, error) {
	return findUserByID(ctx, s.reader(ctx), tenant, id)
}

func findUserByID(ctx context.Context, tx *tx, tenant, id string) (*domain.User, error) {
	return findUser(ctx, tx, tenant, id, "")
}

// findUser reads a user; lock is "" or the dialect's forUpdate.
func findUser(ctx context.Context, tx *tx, tenant, id, lock string) (*domain.User, error) {
	u := domain.User{Tenant: tenant}
	row := tx.queryRow(ctx, `SELECT `+userCols+` FROM users WHERE tenant = ? AND id = ?`+lock, tenant, id)
	if err := scanUser(row, &u); err != nil {
		return nil, notFound(err, "user", id)
	}
	return &u, nil
}

// GetUserWithScopes returns a user and the union of the scopes their roles
// grant, in one query: every token grant needs both, and on PostgreSQL a
// round trip costs more than the join.
func (s *Store) GetUserWithScopes(ctx context.Context, tenant, id string) (*domain.User, []string, error) {
	u := domain.User{Tenant: tenant}
	var held []string
	row := s.reader(ctx).queryRow(ctx, `SELECT `+prefixed("u.", userCols)+`, `+s.d.roleScopesOfU()+`
		FROM users u WHERE u.tenant = ? AND u.id = ?`, tenant, id)
	if err := scanUser(scanAlso{row, []any{listCol{&held}}}, &u); err != nil {
		return nil, nil, notFound(err, "user", id)
	}
	slices.Sort(held)
	return &u, slices.Compact(held), nil
}

// ListUsers returns a page of the tenant's users ordered by ID.
func (s *Store) ListUsers(ctx context.Context, tenant string, p domain.Page) ([]domain.User, error) {
	cond, args := pageIDs("id", p)
	return queryAll(ctx, s.reader(ctx), func(rows *sql.Rows, u *domain.User) error {
		u.Tenant = tenant
		return scanUser(rows, u)
	}, `SELECT `+userCols+` FROM users
		WHERE tenant = ? AND `+cond+` ORDER BY id LIMIT ?`, append(append([]any{tenant}, args...), pageLimit(p))...)
}

// UpdateUser is a compare-and-swap of every attribute of a user, the
// password hash included (see store.Store).
func (s *Store) UpdateUser(ctx context.Context, tenant, id string, fn func(*domain.User) error) (*domain.User, error) {
	return update(ctx, s, change{tenant, domain.EntityUser, id}, func(tx *tx) (*domain.User, error) {
		return findUser(ctx, tx, tenant, id, tx.d.forUpdate())
	}, fn, func(tx *tx, u *domain.User, now time.Time) error {
		u.Tenant, u.ID, u.UpdatedAt = tenant, id, now
		if err := requireAll(ctx, tx, tenant, "role", "roles", u.Roles); err != nil {
			return err
		}
		return updateUser(ctx, tx, tenant, u)
	})
}

// DeleteUser removes a user.
func (s *Store) DeleteUser(ctx context.Context, tenant, id string) error {
	return s.writeChange(ctx, change{tenant, domain.EntityUser, id}, func(tx *tx) error {
		return tx.execOne(ctx, fmt.Errorf("user %q: %w", id, domain.ErrNotFound),
			`DELETE FROM users WHERE tenant = ? AND id = ?`, tenant, id)
	})
}

// SetPasswordHash swaps the hash only if it still equals old, in one
// statement, so a concurrent password change wins over a login rehash.
// It keeps imported_hash; an imported user whose row predates that column
// gets the key of old, the hash the import wrote.
func (s *Store) SetPasswordHash(ctx context.Context, tenant, userID, old, new string) error {
	return s.write(ctx, func(tx *tx) error {
		res, err := tx.exec(ctx, `UPDATE users SET password_hash = ?, updated_at = ?,
				imported_hash = CASE WHEN imported_hash = '' AND source IN (?, ?) THEN ? ELSE imported_hash END
			WHERE tenant = ? AND id = ? AND password_hash = ?`,
			new, tx.d.ts(time.Now()), domain.SourceCSV, domain.SourceDatabase, domain.ImportedHashKey(old),
			tenant, userID, old)
		if err != nil {
			return err
		}
		if n, err := res.RowsAffected(); err != nil || n == 1 {
			return err
		}
		if _, err := findUserByID(ctx, tx, tenant, userID); err != nil {
			return err
		}
		return fmt.Errorf("user %q: password hash changed meanwhile: %w", userID, domain.ErrConflict)
	})
}
