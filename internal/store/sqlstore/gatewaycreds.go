package sqlstore

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

const gatewayCredentialCols = `id, hash, description, created_at`

func scanGatewayCredential(sc interface{ Scan(...any) error }, c *domain.GatewayCredential) error {
	return sc.Scan(&c.ID, &c.Hash, &c.Description, timeCol{&c.CreatedAt})
}

// CreateGatewayCredential stores a new gateway credential.
func (s *Store) CreateGatewayCredential(ctx context.Context, c *domain.GatewayCredential) error {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now()
	}
	c.CreatedAt = normTime(c.CreatedAt)
	return s.writeChange(ctx, change{"", domain.EntityGatewayCredential, c.ID}, func(tx *tx) error {
		_, err := tx.exec(ctx, `INSERT INTO gateway_credentials (`+gatewayCredentialCols+`) VALUES (?, ?, ?, ?)`,
			c.ID, c.Hash, c.Description, tx.d.ts(c.CreatedAt))
		if err != nil {
			return fmt.Errorf("gateway credential %q: %w", c.ID, mapErr(err))
		}
		return nil
	})
}

// GetGatewayCredential returns one gateway credential by id.
func (s *Store) GetGatewayCredential(ctx context.Context, id string) (*domain.GatewayCredential, error) {
	var c domain.GatewayCredential
	row := s.reader(ctx).queryRow(ctx, `SELECT `+gatewayCredentialCols+` FROM gateway_credentials WHERE id = ?`, id)
	if err := scanGatewayCredential(row, &c); err != nil {
		return nil, notFound(err, "gateway credential", id)
	}
	return &c, nil
}

// GetGatewayCredentialByHash returns the credential whose string hashes
// to hash.
func (s *Store) GetGatewayCredentialByHash(ctx context.Context, hash []byte) (*domain.GatewayCredential, error) {
	var c domain.GatewayCredential
	row := s.reader(ctx).queryRow(ctx, `SELECT `+gatewayCredentialCols+` FROM gateway_credentials WHERE hash = ?`, hash)
	if err := scanGatewayCredential(row, &c); err != nil {
		// No hash in the message: errors reach logs.
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("gateway credential: %w", domain.ErrNotFound)
		}
		return nil, mapErr(err)
	}
	return &c, nil
}

// ListGatewayCredentials returns a page of credentials ordered by id.
func (s *Store) ListGatewayCredentials(ctx context.Context, p domain.Page) ([]domain.GatewayCredential, error) {
	return queryAll(ctx, s.reader(ctx), func(rows *sql.Rows, c *domain.GatewayCredential) error {
		return scanGatewayCredential(rows, c)
	}, `SELECT `+gatewayCredentialCols+` FROM gateway_credentials WHERE id > ? ORDER BY id LIMIT ?`, p.After, pageLimit(p))
}

// DeleteGatewayCredential deletes a credential and records its revocation
// atomically.
func (s *Store) DeleteGatewayCredential(ctx context.Context, id string, revokeUntil time.Time) (*domain.Revocation, error) {
	return s.deleteRevoking(ctx, func(tx *tx) (domain.Revocation, error) {
		var h []byte
		err := tx.queryRow(ctx, `DELETE FROM gateway_credentials WHERE id = ? RETURNING hash`, id).Scan(&h)
		if err != nil {
			return domain.Revocation{}, notFound(err, "gateway credential", id)
		}
		if err := (change{"", domain.EntityGatewayCredential, id}).append(ctx, tx); err != nil {
			return domain.Revocation{}, err
		}
		return domain.Revocation{Tenant: domain.DefaultTenant, Kind: domain.RevokeGatewayCredential,
			Value: hex.EncodeToString(h), ExpiresAt: revokeUntil}, nil
	})
}
