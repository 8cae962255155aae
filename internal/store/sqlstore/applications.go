package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

const appCols = `id, name, secret_hash, grant_types, scopes, default_scopes,
	access_token_ttl_ns, refresh_token_ttl_ns, refresh_reuse_grace_ns, created_at, updated_at`

func scanApp(sc interface{ Scan(...any) error }, a *domain.Application) error {
	var access, refresh, grace int64
	err := sc.Scan(&a.ID, &a.Name, &a.SecretHash, listCol{&a.GrantTypes}, listCol{&a.Scopes},
		listCol{&a.DefaultScopes}, &access, &refresh, &grace, timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt})
	a.AccessTokenTTL, a.RefreshTokenTTL = time.Duration(access), time.Duration(refresh)
	a.RefreshReuseGrace = time.Duration(grace)
	return err
}

// secret keeps a nil hash out of the NOT NULL column.
func secret(b []byte) []byte {
	if b == nil {
		return []byte{}
	}
	return b
}

// CreateApplication stores a new OAuth client.
func (s *Store) CreateApplication(ctx context.Context, tenant string, a *domain.Application) error {
	if a.CreatedAt.IsZero() {
		a.CreatedAt = time.Now()
	}
	if a.UpdatedAt.IsZero() {
		a.UpdatedAt = a.CreatedAt
	}
	a.CreatedAt, a.UpdatedAt = normTime(a.CreatedAt), normTime(a.UpdatedAt)
	return s.write(ctx, func(tx *tx) error {
		_, err := tx.exec(ctx, `INSERT INTO applications (tenant, `+appCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			tenant, a.ID, a.Name, secret(a.SecretHash), encList(a.GrantTypes), encList(a.Scopes),
			encList(a.DefaultScopes), int64(a.AccessTokenTTL), int64(a.RefreshTokenTTL), int64(a.RefreshReuseGrace),
			tx.d.ts(a.CreatedAt), tx.d.ts(a.UpdatedAt))
		if err != nil {
			return fmt.Errorf("application %q: %w", a.ID, mapErr(err))
		}
		a.Tenant = tenant
		return nil
	})
}

// GetApplication returns one OAuth client.
func (s *Store) GetApplication(ctx context.Context, tenant, id string) (*domain.Application, error) {
	a := domain.Application{Tenant: tenant}
	row := s.reader().queryRow(ctx, `SELECT `+appCols+` FROM applications WHERE tenant = ? AND id = ?`, tenant, id)
	if err := scanApp(row, &a); err != nil {
		return nil, notFound(err, "application", id)
	}
	return &a, nil
}

// GetApplicationByClientID returns the client with id in whichever tenant
// holds it; the unique index on id makes that at most one.
func (s *Store) GetApplicationByClientID(ctx context.Context, id string) (*domain.Application, error) {
	var a domain.Application
	row := s.reader().queryRow(ctx, `SELECT `+appCols+`, tenant FROM applications WHERE id = ?`, id)
	if err := scanApp(scanAlso{row, []any{&a.Tenant}}, &a); err != nil {
		return nil, notFound(err, "application", id)
	}
	return &a, nil
}

// ListApplications returns a page of the tenant's clients ordered by ID.
func (s *Store) ListApplications(ctx context.Context, tenant string, p domain.Page) ([]domain.Application, error) {
	return queryAll(ctx, s.reader(), func(rows *sql.Rows, a *domain.Application) error {
		a.Tenant = tenant
		return scanApp(rows, a)
	}, `SELECT `+appCols+` FROM applications
		WHERE tenant = ? AND id > ? ORDER BY id LIMIT ?`, tenant, p.After, pageLimit(p))
}

// UpdateApplication replaces every attribute (the secret hash included) and
// sets UpdatedAt to now.
func (s *Store) UpdateApplication(ctx context.Context, tenant string, a *domain.Application) error {
	now := normTime(time.Now())
	err := s.write(ctx, func(tx *tx) error {
		return tx.execOne(ctx, fmt.Errorf("application %q: %w", a.ID, domain.ErrNotFound),
			`UPDATE applications SET name = ?, secret_hash = ?, grant_types = ?, scopes = ?, default_scopes = ?,
				access_token_ttl_ns = ?, refresh_token_ttl_ns = ?, refresh_reuse_grace_ns = ?, updated_at = ?
				WHERE tenant = ? AND id = ?`,
			a.Name, secret(a.SecretHash), encList(a.GrantTypes), encList(a.Scopes), encList(a.DefaultScopes),
			int64(a.AccessTokenTTL), int64(a.RefreshTokenTTL), int64(a.RefreshReuseGrace), tx.d.ts(now), tenant, a.ID)
	})
	if err == nil {
		a.UpdatedAt = now
	}
	return err
}

// DeleteApplication removes a client. Its refresh tokens stay until they
// expire; the token endpoint refuses them because the client is gone.
func (s *Store) DeleteApplication(ctx context.Context, tenant, id string) error {
	return s.write(ctx, func(tx *tx) error {
		return tx.execOne(ctx, fmt.Errorf("application %q: %w", id, domain.ErrNotFound),
			`DELETE FROM applications WHERE tenant = ? AND id = ?`, tenant, id)
	})
}
