package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

const idpCols = `id, display_name, issuer, client_id, sealed_secret, scopes, username_claim, create_users,
	default_roles, enabled, by_operator, created_at, updated_at`

func scanIdentityProvider(sc interface{ Scan(...any) error }, p *domain.IdentityProvider) error {
	return sc.Scan(&p.ID, &p.DisplayName, &p.Issuer, &p.ClientID, &p.SealedSecret, listCol{&p.Scopes},
		&p.UsernameClaim, &p.CreateUsers, listCol{&p.DefaultRoles}, &p.Enabled, &p.ByOperator,
		timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt})
}

// CreateIdentityProvider stores a new provider whose default roles the
// tenant has; CreatedAt and UpdatedAt default to now.
func (s *Store) CreateIdentityProvider(ctx context.Context, tenant string, p *domain.IdentityProvider) error {
	if p.CreatedAt.IsZero() {
		p.CreatedAt = time.Now()
	}
	if p.UpdatedAt.IsZero() {
		p.UpdatedAt = p.CreatedAt
	}
	p.CreatedAt, p.UpdatedAt = normTime(p.CreatedAt), normTime(p.UpdatedAt)
	return s.writeChange(ctx, change{tenant, domain.EntityIdentityProvider, p.ID}, func(tx *tx) error {
		_, err := tx.exec(ctx, `INSERT INTO identity_providers (tenant, `+idpCols+`) VALUES (`+placeholders(14, 1)+`)`,
			tenant, p.ID, p.DisplayName, p.Issuer, p.ClientID, secret(p.SealedSecret), encList(p.Scopes),
			p.UsernameClaim, p.CreateUsers, encList(p.DefaultRoles), p.Enabled, p.ByOperator,
			tx.d.ts(p.CreatedAt), tx.d.ts(p.UpdatedAt))
		if err != nil {
			return fmt.Errorf("identity provider %q: %w", p.ID, mapErr(err))
		}
		p.Tenant = tenant
		return requireAll(ctx, tx, tenant, "role", "defaultRoles", p.DefaultRoles)
	})
}

// GetIdentityProvider returns one provider.
func (s *Store) GetIdentityProvider(ctx context.Context, tenant, id string) (*domain.IdentityProvider, error) {
	return findIdentityProvider(ctx, s.reader(ctx), tenant, id, "")
}

// findIdentityProvider reads a provider; lock is "" or the dialect's
// forUpdate.
func findIdentityProvider(ctx context.Context, tx *tx, tenant, id, lock string) (*domain.IdentityProvider, error) {
	p := domain.IdentityProvider{Tenant: tenant}
	row := tx.queryRow(ctx, `SELECT `+idpCols+` FROM identity_providers WHERE tenant = ? AND id = ?`+lock, tenant, id)
	if err := scanIdentityProvider(row, &p); err != nil {
		return nil, notFound(err, "identity provider", id)
	}
	return &p, nil
}

// ListIdentityProviders returns a page of the tenant's providers ordered
// by ID.
func (s *Store) ListIdentityProviders(ctx context.Context, tenant string, p domain.Page) ([]domain.IdentityProvider, error) {
	return queryAll(ctx, s.reader(ctx), func(rows *sql.Rows, x *domain.IdentityProvider) error {
		x.Tenant = tenant
		return scanIdentityProvider(rows, x)
	}, `SELECT `+idpCols+` FROM identity_providers
		WHERE tenant = ? AND id > ? ORDER BY id LIMIT ?`, tenant, p.After, pageLimit(p))
}

// UpdateIdentityProvider is a compare-and-swap of every attribute of a
// provider (see store.Store). fn gets the stored secret; leaving
// SealedSecret nil keeps it, so a change that does not name the write-only
// secret cannot erase it.
func (s *Store) UpdateIdentityProvider(ctx context.Context, tenant, id string, fn func(*domain.IdentityProvider) error) (*domain.IdentityProvider, error) {
	var stored []byte
	return update(ctx, s, change{tenant, domain.EntityIdentityProvider, id}, func(tx *tx) (*domain.IdentityProvider, error) {
		p, err := findIdentityProvider(ctx, tx, tenant, id, tx.d.forUpdate())
		if err == nil {
			stored = p.SealedSecret
		}
		return p, err
	}, fn, func(tx *tx, p *domain.IdentityProvider, now time.Time) error {
		p.Tenant, p.ID, p.UpdatedAt = tenant, id, now
		if p.SealedSecret == nil {
			p.SealedSecret = stored
		}
		if err := requireAll(ctx, tx, tenant, "role", "defaultRoles", p.DefaultRoles); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `UPDATE identity_providers SET display_name = ?, issuer = ?, client_id = ?,
				sealed_secret = ?, scopes = ?, username_claim = ?, create_users = ?, default_roles = ?,
				enabled = ?, by_operator = ?, updated_at = ?
				WHERE tenant = ? AND id = ?`,
			p.DisplayName, p.Issuer, p.ClientID, secret(p.SealedSecret), encList(p.Scopes), p.UsernameClaim,
			p.CreateUsers, encList(p.DefaultRoles), p.Enabled, p.ByOperator, tx.d.ts(now), tenant, id)
		return err
	})
}

// DeleteIdentityProvider removes a provider; its links to users go with
// it (foreign key), the users it created stay.
func (s *Store) DeleteIdentityProvider(ctx context.Context, tenant, id string) error {
	return s.writeChange(ctx, change{tenant, domain.EntityIdentityProvider, id}, func(tx *tx) error {
		return tx.execOne(ctx, fmt.Errorf("identity provider %q: %w", id, domain.ErrNotFound),
			`DELETE FROM identity_providers WHERE tenant = ? AND id = ?`, tenant, id)
	})
}
