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

const apiTokenCols = `user_id, id, hash, description, scopes, expires_at, last_used_at, created_at`

func scanAPIToken(sc interface{ Scan(...any) error }, t *domain.APIToken) error {
	return sc.Scan(&t.UserID, &t.ID, &t.Hash, &t.Description, listCol{&t.Scopes},
		nullTimeCol{&t.ExpiresAt}, nullTimeCol{&t.LastUsedAt}, timeCol{&t.CreatedAt})
}

// CreateAPIToken stores a new API token of an existing user.
func (s *Store) CreateAPIToken(ctx context.Context, tenant string, t *domain.APIToken) error {
	if t.CreatedAt.IsZero() {
		t.CreatedAt = time.Now()
	}
	t.CreatedAt = normTime(t.CreatedAt)
	if t.ExpiresAt != nil {
		e := normTime(*t.ExpiresAt)
		t.ExpiresAt = &e
	}
	return s.write(ctx, func(tx *tx) error {
		// Checked first: mapErr reads any foreign-key failure as an
		// unknown tenant, but here it would more likely be the user.
		if _, err := findUserByID(ctx, tx, tenant, t.UserID); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO api_tokens (tenant, `+apiTokenCols+`)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			tenant, t.UserID, t.ID, t.Hash, t.Description, encList(t.Scopes),
			tx.d.tsPtr(t.ExpiresAt), tx.d.tsPtr(t.LastUsedAt), tx.d.ts(t.CreatedAt))
		if err != nil {
			return fmt.Errorf("api token %q: %w", t.ID, mapErr(err))
		}
		t.Tenant = tenant
		return nil
	})
}

// GetAPIToken returns one of a user's tokens.
func (s *Store) GetAPIToken(ctx context.Context, tenant, userID, id string) (*domain.APIToken, error) {
	t := domain.APIToken{Tenant: tenant}
	row := s.reader(ctx).queryRow(ctx, `SELECT `+apiTokenCols+` FROM api_tokens
		WHERE tenant = ? AND user_id = ? AND id = ?`, tenant, userID, id)
	if err := scanAPIToken(row, &t); err != nil {
		return nil, notFound(err, "api token", id)
	}
	return &t, nil
}

// GetAPITokenByHash returns the token whose string hashes to hash.
func (s *Store) GetAPITokenByHash(ctx context.Context, tenant string, hash []byte) (*domain.APIToken, error) {
	t := domain.APIToken{Tenant: tenant}
	row := s.reader(ctx).queryRow(ctx, `SELECT `+apiTokenCols+` FROM api_tokens
		WHERE tenant = ? AND hash = ?`, tenant, hash)
	if err := scanAPIToken(row, &t); err != nil {
		// No hash in the message: errors reach logs.
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("api token: %w", domain.ErrNotFound)
		}
		return nil, mapErr(err)
	}
	return &t, nil
}

// ListAPITokens returns a page of a user's tokens ordered by ID. An unknown
// user has no tokens (an empty page); callers check the user themselves.
func (s *Store) ListAPITokens(ctx context.Context, tenant, userID string, p domain.Page) ([]domain.APIToken, error) {
	return queryAll(ctx, s.reader(ctx), func(rows *sql.Rows, t *domain.APIToken) error {
		t.Tenant = tenant
		return scanAPIToken(rows, t)
	}, `SELECT `+apiTokenCols+` FROM api_tokens
		WHERE tenant = ? AND user_id = ? AND id > ? ORDER BY id LIMIT ?`, tenant, userID, p.After, pageLimit(p))
}

// DeleteAPIToken deletes a token and records its revocation atomically.
func (s *Store) DeleteAPIToken(ctx context.Context, tenant, userID, id string, revokeUntil time.Time) (*domain.Revocation, error) {
	return s.deleteRevoking(ctx, func(tx *tx) (domain.Revocation, error) {
		var h []byte
		var expires *time.Time
		err := tx.queryRow(ctx, `DELETE FROM api_tokens WHERE tenant = ? AND user_id = ? AND id = ?
			RETURNING hash, expires_at`, tenant, userID, id).Scan(&h, nullTimeCol{&expires})
		if err != nil {
			return domain.Revocation{}, notFound(err, "api token", id)
		}
		until := revokeUntil
		if expires != nil && expires.Before(until) {
			until = *expires // an expired token fails anyway
		}
		return domain.Revocation{Tenant: tenant, Kind: domain.RevokeAPIToken, Value: hex.EncodeToString(h), ExpiresAt: until}, nil
	})
}

// RecordAPITokenUses applies a batch of last-used times. The update only
// moves last_used_at forward, so batches from several nodes may land in
// any order.
func (s *Store) RecordAPITokenUses(ctx context.Context, uses []domain.APITokenUse) error {
	if len(uses) == 0 {
		return nil
	}
	return s.write(ctx, func(tx *tx) error {
		for _, u := range uses {
			at := tx.d.ts(u.At)
			if _, err := tx.exec(ctx, `UPDATE api_tokens SET last_used_at = ?
				WHERE tenant = ? AND user_id = ? AND id = ? AND (last_used_at IS NULL OR last_used_at < ?)`,
				at, u.Tenant, u.UserID, u.ID, at); err != nil {
				return err
			}
		}
		return nil
	})
}

// apiTokenPurge is DeleteExpired's query for API tokens expired more than
// domain.APITokenPurgeGrace before the cutoff. The grace is subtracted in
// SQL because DeleteExpired binds one cutoff (now) to every query; times
// are unix nanoseconds on SQLite and TIMESTAMPTZ on PostgreSQL. Tokens
// without expiry (NULL) never match; api_tokens_expires serves the range.
func (d *dialect) apiTokenPurge() string {
	cutoff := fmt.Sprintf("? - %d", int64(domain.APITokenPurgeGrace))
	if d.postgres {
		cutoff = fmt.Sprintf("CAST(? AS TIMESTAMPTZ) - INTERVAL '%d seconds'", int64(domain.APITokenPurgeGrace/time.Second))
	}
	return `DELETE FROM api_tokens WHERE (tenant, user_id, id) IN
		(SELECT tenant, user_id, id FROM api_tokens WHERE expires_at <= ` + cutoff + ` LIMIT ?)`
}
