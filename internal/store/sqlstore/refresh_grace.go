package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// The rotation grace period (store.Store.RotateRefreshToken): a rotated
// token names its successor's key in successor; the successor carries
// itself sealed with the master key in sealed until sealed_until. While
// that copy exists (the successor was neither used nor revoked) and the
// grace lasts, presenting the rotated token again returns it, so a client
// that lost the answer to a rotation keeps its session. The store never
// sees the token in clear; only the caller can open the copy.

// eraseSealed is DeleteExpired's query for sealed copies whose grace ended:
// the partial index refresh_tokens_sealed holds only rows that have one.
const eraseSealed = `UPDATE refresh_tokens SET sealed = NULL, sealed_until = NULL WHERE (tenant, hash) IN
	(SELECT tenant, hash FROM refresh_tokens WHERE sealed_until <= ? LIMIT ?)`

// sealedArgs are the sealed and sealed_until values of a token being
// stored: NULL for a token without a grace period.
func sealedArgs(d *dialect, rt *domain.RefreshToken) (sealed, until any) {
	if rt.Sealed == nil {
		return nil, nil
	}
	rt.SealedUntil = normTime(rt.SealedUntil)
	return rt.Sealed, d.ts(rt.SealedUntil)
}

// successorArg is what a rotation records as the consumed token's
// successor: next's key when next can be handed out again, else NULL.
func successorArg(next *domain.RefreshToken) any {
	if next.Sealed == nil {
		return nil
	}
	return next.Hash
}

// handleUnrotatable explains why a token could not be rotated. A token
// rotated before is either presented again within its successor's grace,
// which answers that successor, or replayed, which revokes its family and
// wraps the error in commitErr to keep that revocation.
func handleUnrotatable(ctx context.Context, tx *tx, tenant string, hash []byte, now time.Time) (*domain.Rotation, error) {
	old := domain.RefreshToken{Tenant: tenant, Hash: hash}
	var rotated, revoked *time.Time
	var successor []byte
	row := tx.queryRow(ctx, `SELECT `+refreshCols+`, rotated_at, revoked_at, successor FROM refresh_tokens
		WHERE tenant = ? AND hash = ?`, tenant, hash)
	if err := scanRefresh(scanAlso{row, []any{nullTimeCol{&rotated}, nullTimeCol{&revoked}, &successor}}, &old); err != nil {
		return nil, tokenNotFound(err)
	}
	// An expired token cannot be told from one DeleteExpired already purged,
	// so both say not found rather than reused.
	if revoked != nil || !old.ExpiresAt.After(now) || rotated == nil {
		return nil, fmt.Errorf("refresh token: %w", domain.ErrNotFound)
	}
	if successor != nil {
		next, err := sealedSuccessor(ctx, tx, tenant, successor, now)
		if err != nil || next != nil {
			return &domain.Rotation{Consumed: old, Successor: next}, err
		}
	}
	if _, err := revokeFamily(ctx, tx, tenant, old.FamilyID, now, nil); err != nil {
		return nil, err
	}
	return nil, commitErr{fmt.Errorf("refresh token family %q: %w", old.FamilyID, domain.ErrTokenReused)}
}

// sealedSuccessor returns the successor with its sealed copy while its
// predecessor's grace lasts and it is unused, or nil.
func sealedSuccessor(ctx context.Context, tx *tx, tenant string, hash []byte, now time.Time) (*domain.RefreshToken, error) {
	next := domain.RefreshToken{Tenant: tenant, Hash: hash}
	err := tx.queryRow(ctx, `SELECT sealed, sealed_until, expires_at FROM refresh_tokens
		WHERE tenant = ? AND hash = ? AND rotated_at IS NULL AND revoked_at IS NULL
			AND sealed IS NOT NULL AND sealed_until > ? AND expires_at > ?`,
		tenant, hash, tx.d.ts(now), tx.d.ts(now)).
		Scan(&next.Sealed, timeCol{&next.SealedUntil}, timeCol{&next.ExpiresAt})
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return &next, nil
}
