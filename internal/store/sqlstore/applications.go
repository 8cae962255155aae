package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

const appCols = `id, name, secret_hash, grant_types, scopes, default_scopes,
	access_token_ttl_ns, refresh_token_ttl_ns, refresh_reuse_grace_ns, client_type, redirect_uris,
	post_logout_redirect_uris, first_party, id_token_signing_alg, owner, jwks, jwks_uri, require_dpop, token_exchange, created_at, updated_at`

func scanApp(sc interface{ Scan(...any) error }, a *domain.Application) error {
	var access, refresh, grace int64
	err := sc.Scan(&a.ID, &a.Name, &a.SecretHash, listCol{&a.GrantTypes}, listCol{&a.Scopes},
		listCol{&a.DefaultScopes}, &access, &refresh, &grace, &a.ClientType, listCol{&a.RedirectURIs},
		listCol{&a.PostLogoutRedirectURIs}, &a.FirstParty, &a.IDTokenSigningAlg, &a.Owner, &a.JWKS, &a.JWKSURI, &a.RequireDPoP, exchangeCol{&a.TokenExchange},
		timeCol{&a.CreatedAt}, timeCol{&a.UpdatedAt})
	a.AccessTokenTTL, a.RefreshTokenTTL = time.Duration(access), time.Duration(refresh)
	a.RefreshReuseGrace = time.Duration(grace)
	return err
}

// defaultClientType gives an application without a client type the one
// every application had before there were public clients, as migration
// 0016 gave the stored ones, so a client reads back as it behaves.
func defaultClientType(a *domain.Application) {
	if a.ClientType == "" {
		a.ClientType = domain.ClientConfidential
	}
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
	defaultClientType(a)
	return s.writeChange(ctx, change{tenant, domain.EntityApplication, a.ID}, func(tx *tx) error {
		_, err := tx.exec(ctx, `INSERT INTO applications (tenant, `+appCols+`)
			VALUES (`+placeholders(22, 1)+`)`,
			tenant, a.ID, a.Name, secret(a.SecretHash), encList(a.GrantTypes), encList(a.Scopes),
			encList(a.DefaultScopes), int64(a.AccessTokenTTL), int64(a.RefreshTokenTTL), int64(a.RefreshReuseGrace),
			a.ClientType, encList(a.RedirectURIs), encList(a.PostLogoutRedirectURIs), a.FirstParty,
			a.IDTokenSigningAlg, a.Owner, a.JWKS, a.JWKSURI, a.RequireDPoP, encExchange(a.TokenExchange), tx.d.ts(a.CreatedAt), tx.d.ts(a.UpdatedAt))
		if err != nil {
			return fmt.Errorf("application %q: %w", a.ID, mapErr(err))
		}
		a.Tenant = tenant
		return requireAppScopes(ctx, tx, tenant, a)
	})
}

// requireAppScopes refuses scopes and default scopes the tenant lacks
// (refs.go).
func requireAppScopes(ctx context.Context, tx *tx, tenant string, a *domain.Application) error {
	if err := requireAll(ctx, tx, tenant, "scope", "scopes", a.Scopes); err != nil {
		return err
	}
	return requireAll(ctx, tx, tenant, "scope", "defaultScopes", a.DefaultScopes)
}

// GetApplication returns one OAuth client.
func (s *Store) GetApplication(ctx context.Context, tenant, id string) (*domain.Application, error) {
	return findApplication(ctx, s.reader(ctx), tenant, id, "")
}

// findApplication reads a client; lock is "" or the dialect's forUpdate.
func findApplication(ctx context.Context, tx *tx, tenant, id, lock string) (*domain.Application, error) {
	a := domain.Application{Tenant: tenant}
	row := tx.queryRow(ctx, `SELECT `+appCols+` FROM applications WHERE tenant = ? AND id = ?`+lock, tenant, id)
	if err := scanApp(row, &a); err != nil {
		return nil, notFound(err, "application", id)
	}
	return &a, nil
}

// GetApplicationByClientID returns the client with id in whichever tenant
// holds it; the unique index on id makes that at most one.
func (s *Store) GetApplicationByClientID(ctx context.Context, id string) (*domain.Application, error) {
	var a domain.Application
	row := s.reader(ctx).queryRow(ctx, `SELECT `+appCols+`, tenant FROM applications WHERE id = ?`, id)
	if err := scanApp(scanAlso{row, []any{&a.Tenant}}, &a); err != nil {
		return nil, notFound(err, "application", id)
	}
	return &a, nil
}

// ListApplications returns a page of the tenant's clients ordered by ID.
func (s *Store) ListApplications(ctx context.Context, tenant string, p domain.Page) ([]domain.Application, error) {
	cond, args := pageIDs("id", p)
	return queryAll(ctx, s.reader(ctx), func(rows *sql.Rows, a *domain.Application) error {
		a.Tenant = tenant
		return scanApp(rows, a)
	}, `SELECT `+appCols+` FROM applications
		WHERE tenant = ? AND `+cond+` ORDER BY id LIMIT ?`, append(append([]any{tenant}, args...), pageLimit(p))...)
}

// ListApplicationsOwnedBy returns a page of the applications owner
// registered, ordered by ID, through the index on (tenant, owner, id).
func (s *Store) ListApplicationsOwnedBy(ctx context.Context, tenant, owner string, p domain.Page) ([]domain.Application, error) {
	return queryAll(ctx, s.reader(ctx), func(rows *sql.Rows, a *domain.Application) error {
		a.Tenant = tenant
		return scanApp(rows, a)
	}, `SELECT `+appCols+` FROM applications
		WHERE tenant = ? AND owner = ? AND id > ? ORDER BY id LIMIT ?`, tenant, owner, p.After, pageLimit(p))
}

// UpdateApplication is a compare-and-swap of every attribute but the
// secret hash (see store.Store).
func (s *Store) UpdateApplication(ctx context.Context, tenant, id string, fn func(*domain.Application) error) (*domain.Application, error) {
	return update(ctx, s, change{tenant, domain.EntityApplication, id}, func(tx *tx) (*domain.Application, error) {
		return findApplication(ctx, tx, tenant, id, tx.d.forUpdate())
	}, fn, func(tx *tx, a *domain.Application, now time.Time) error {
		a.Tenant, a.ID, a.UpdatedAt = tenant, id, now
		defaultClientType(a)
		if err := requireAppScopes(ctx, tx, tenant, a); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `UPDATE applications SET name = ?, grant_types = ?, scopes = ?, default_scopes = ?,
				access_token_ttl_ns = ?, refresh_token_ttl_ns = ?, refresh_reuse_grace_ns = ?, client_type = ?,
				redirect_uris = ?, post_logout_redirect_uris = ?, first_party = ?, id_token_signing_alg = ?,
				owner = ?, jwks = ?, jwks_uri = ?, require_dpop = ?, token_exchange = ?, updated_at = ?
				WHERE tenant = ? AND id = ?`,
			a.Name, encList(a.GrantTypes), encList(a.Scopes), encList(a.DefaultScopes),
			int64(a.AccessTokenTTL), int64(a.RefreshTokenTTL), int64(a.RefreshReuseGrace), a.ClientType,
			encList(a.RedirectURIs), encList(a.PostLogoutRedirectURIs), a.FirstParty, a.IDTokenSigningAlg,
			a.Owner, a.JWKS, a.JWKSURI, a.RequireDPoP, encExchange(a.TokenExchange), tx.d.ts(now), tenant, id)
		return err
	})
}

// SetApplicationSecret replaces a client's secret hash in one statement,
// so no update that read the client before can write the old hash back.
func (s *Store) SetApplicationSecret(ctx context.Context, tenant, id string, hash []byte) (*domain.Application, error) {
	a := domain.Application{Tenant: tenant}
	err := s.writeChange(ctx, change{tenant, domain.EntityApplication, id}, func(tx *tx) error {
		row := tx.queryRow(ctx, `UPDATE applications SET secret_hash = ?, updated_at = ?
			WHERE tenant = ? AND id = ? RETURNING `+appCols,
			secret(hash), tx.d.ts(time.Now()), tenant, id)
		return notFound(scanApp(row, &a), "application", id)
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// DeleteApplication removes a client and the consents given to it, which
// a client created later with the same id must ask for again. Its refresh
// tokens and codes stay until they expire; the token endpoint refuses
// them because the client is gone.
func (s *Store) DeleteApplication(ctx context.Context, tenant, id string) error {
	return s.writeChange(ctx, change{tenant, domain.EntityApplication, id}, func(tx *tx) error {
		if err := tx.execOne(ctx, fmt.Errorf("application %q: %w", id, domain.ErrNotFound),
			`DELETE FROM applications WHERE tenant = ? AND id = ?`, tenant, id); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `DELETE FROM consents WHERE tenant = ? AND client_id = ?`, tenant, id)
		return err
	})
}
