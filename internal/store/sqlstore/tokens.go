package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// revocationLockKey serialises revocation inserts on PostgreSQL so that
// bigserial order equals commit order; otherwise a follower could read seq
// 12 before seq 11 commits and skip 11 for good. SQLite has one writer.
const revocationLockKey = 0x7265766f6b65

// CreateRefreshToken stores a new refresh token (the first of a family).
func (s *Store) CreateRefreshToken(ctx context.Context, tenant string, rt *domain.RefreshToken) error {
	return s.writeStatement(ctx, func(tx *tx) error { return insertRefreshToken(ctx, tx, tenant, rt) })
}

func insertRefreshToken(ctx context.Context, tx *tx, tenant string, rt *domain.RefreshToken) error {
	if rt.CreatedAt.IsZero() {
		rt.CreatedAt = time.Now()
	}
	rt.CreatedAt, rt.ExpiresAt = normTime(rt.CreatedAt), normTime(rt.ExpiresAt)
	sealed, until := sealedArgs(tx.d, rt)
	_, err := tx.exec(ctx, `INSERT INTO refresh_tokens
		(tenant, hash, family_id, client_id, subject, scopes, audience, expires_at, created_at, sealed, sealed_until, jkt)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tenant, rt.Hash, rt.FamilyID, rt.ClientID, rt.Subject, encList(rt.Scopes), encList(rt.Audience),
		tx.d.ts(rt.ExpiresAt), tx.d.ts(rt.CreatedAt), sealed, until, rt.JKT)
	if err != nil {
		return fmt.Errorf("refresh token: %w", mapErr(err))
	}
	rt.Tenant = tenant
	return nil
}

const refreshCols = `family_id, client_id, subject, scopes, audience, expires_at, created_at, jkt`

func scanRefresh(sc interface{ Scan(...any) error }, rt *domain.RefreshToken) error {
	return sc.Scan(&rt.FamilyID, &rt.ClientID, &rt.Subject, listCol{&rt.Scopes}, listCol{&rt.Audience},
		timeCol{&rt.ExpiresAt}, timeCol{&rt.CreatedAt}, &rt.JKT)
}

// GetRefreshToken returns a live refresh token by hash.
func (s *Store) GetRefreshToken(ctx context.Context, tenant string, hash []byte, now time.Time) (*domain.RefreshToken, error) {
	t := s.reader(ctx)
	rt := domain.RefreshToken{Tenant: tenant, Hash: hash}
	row := t.queryRow(ctx, `SELECT `+refreshCols+` FROM refresh_tokens
		WHERE tenant = ? AND hash = ? AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at > ?`,
		tenant, hash, t.d.ts(now))
	if err := scanRefresh(row, &rt); err != nil {
		return nil, tokenNotFound(err)
	}
	return &rt, nil
}

// FindRefreshToken returns an unexpired refresh token by hash, rotated
// and revoked ones included.
func (s *Store) FindRefreshToken(ctx context.Context, tenant string, hash []byte, now time.Time) (*domain.RefreshToken, error) {
	t := s.reader(ctx)
	rt := domain.RefreshToken{Tenant: tenant, Hash: hash}
	row := t.queryRow(ctx, `SELECT `+refreshCols+` FROM refresh_tokens
		WHERE tenant = ? AND hash = ? AND expires_at > ?`, tenant, hash, t.d.ts(now))
	if err := scanRefresh(row, &rt); err != nil {
		return nil, tokenNotFound(err)
	}
	return &rt, nil
}

// RotateRefreshToken consumes oldHash and stores next in one transaction.
// The conditional UPDATE is the arbiter between concurrent rotations: on
// PostgreSQL the loser blocks on the row lock, then sees rotated_at set and
// takes the reuse path; on SQLite writers are serialised.
//
// The consumed token's own sealed copy is erased as it is rotated: once a
// successor is used, its predecessor's grace is over (store.Store).
func (s *Store) RotateRefreshToken(ctx context.Context, tenant string, oldHash []byte, next *domain.RefreshToken, now time.Time) (*domain.Rotation, error) {
	if s.d.postgres {
		r, err := s.rotateInOneStatement(ctx, tenant, oldHash, next, now)
		if !errors.Is(err, sql.ErrNoRows) {
			return r, err
		}
		// Not rotatable: find out why (reuse revokes the family) below.
	}
	var r *domain.Rotation
	err := s.write(ctx, func(tx *tx) error {
		rt := domain.RefreshToken{Tenant: tenant, Hash: oldHash}
		row := tx.queryRow(ctx, `UPDATE refresh_tokens SET `+consume+`
			WHERE tenant = ? AND hash = ? AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at > ?
			RETURNING `+refreshCols, tx.d.ts(now), successorArg(next), tenant, oldHash, tx.d.ts(now))
		err := scanRefresh(row, &rt)
		if err == nil {
			// The new token inherits the grant; the caller only picks its
			// hash and lifetime (store.Store contract).
			next.FamilyID, next.ClientID, next.Subject = rt.FamilyID, rt.ClientID, rt.Subject
			next.Scopes, next.Audience = slices.Clone(rt.Scopes), slices.Clone(rt.Audience)
			r = &domain.Rotation{Consumed: rt}
			return insertRefreshToken(ctx, tx, tenant, next)
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		r, err = handleUnrotatable(ctx, tx, tenant, oldHash, now)
		return err
	})
	if err != nil {
		return nil, err
	}
	// SQLite reads are in-process and cheap: read the user after the
	// commit rather than hold the single writer for it.
	u, held, err := s.GetUserWithScopes(ctx, tenant, r.Consumed.Subject)
	switch {
	case err == nil:
		r.UserActive, r.UserScopes = !u.Disabled, held
	case !errors.Is(err, domain.ErrNotFound):
		return nil, err
	}
	return r, nil
}

// consume is the SET clause of a rotation: the time, the successor's key
// when it has a grace period, and the erasure of the token's sealed copy.
const consume = `rotated_at = ?, successor = ?, sealed = NULL, sealed_until = NULL`

// rotateInOneStatement is the common case of a rotation on PostgreSQL:
// consume, insert and read the user's standing in one statement, atomic on
// its own, so a refresh costs one round trip instead of six (BEGIN, UPDATE,
// INSERT, COMMIT, then the user and their roles). sql.ErrNoRows means the
// token was not rotatable.
func (s *Store) rotateInOneStatement(ctx context.Context, tenant string, oldHash []byte, next *domain.RefreshToken, now time.Time) (*domain.Rotation, error) {
	next.CreatedAt, next.ExpiresAt = normTime(next.CreatedAt), normTime(next.ExpiresAt)
	sealed, until := sealedArgs(s.d, next)
	r := &domain.Rotation{Consumed: domain.RefreshToken{Tenant: tenant, Hash: oldHash}}
	row := s.reader(ctx).queryRow(ctx, `WITH old AS (
			UPDATE refresh_tokens SET `+consume+`
			WHERE tenant = ? AND hash = ? AND rotated_at IS NULL AND revoked_at IS NULL AND expires_at > ?
			RETURNING `+refreshCols+`
		), fresh AS (
			INSERT INTO refresh_tokens
				(tenant, hash, family_id, client_id, subject, scopes, audience, expires_at, created_at, sealed, sealed_until, jkt)
			SELECT ?, ?, family_id, client_id, subject, scopes, audience, ?, ?, ?, ?, ? FROM old
		)
		SELECT `+prefixed("old.", refreshCols)+`, COALESCE(NOT u.disabled, FALSE), `+s.d.roleScopesOfU()+`
		FROM old LEFT JOIN users u ON u.tenant = ? AND u.id = old.subject`,
		s.d.ts(now), successorArg(next), tenant, oldHash, s.d.ts(now),
		tenant, next.Hash, s.d.ts(next.ExpiresAt), s.d.ts(next.CreatedAt), sealed, until, next.JKT, tenant)
	rt := &r.Consumed
	if err := scanRefresh(scanAlso{row, []any{&r.UserActive, listCol{&r.UserScopes}}}, rt); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, err
		}
		return nil, fmt.Errorf("refresh token: %w", mapErr(err))
	}
	slices.Sort(r.UserScopes)
	r.UserScopes = slices.Compact(r.UserScopes)
	next.Tenant, next.FamilyID, next.ClientID, next.Subject = tenant, rt.FamilyID, rt.ClientID, rt.Subject
	next.Scopes, next.Audience = slices.Clone(rt.Scopes), slices.Clone(rt.Audience)
	return r, nil
}

// revokeFamily marks the family's live tokens revoked and records a family
// revocation lasting until until, or, when until is nil, until the family's
// last expiry. It reports false when the family has no tokens.
func revokeFamily(ctx context.Context, tx *tx, tenant, family string, now time.Time, until *time.Time) (bool, error) {
	if _, err := tx.exec(ctx, `UPDATE refresh_tokens SET revoked_at = ?, sealed = NULL, sealed_until = NULL
		WHERE tenant = ? AND family_id = ? AND revoked_at IS NULL`, tx.d.ts(now), tenant, family); err != nil {
		return false, err
	}
	var last *time.Time
	if err := tx.queryRow(ctx, `SELECT MAX(expires_at) FROM refresh_tokens WHERE tenant = ? AND family_id = ?`,
		tenant, family).Scan(nullTimeCol{&last}); err != nil {
		return false, err
	}
	if last == nil {
		return false, nil
	}
	if until == nil {
		until = last
	}
	r := domain.Revocation{Tenant: tenant, Kind: domain.RevokeFamily, Value: family, ExpiresAt: *until}
	return true, insertRevocation(ctx, tx, &r)
}

// RevokeRefreshFamily revokes every token of the family; ErrNotFound when
// the tenant has no token of that family.
func (s *Store) RevokeRefreshFamily(ctx context.Context, tenant, familyID string, until time.Time) error {
	return s.write(ctx, func(tx *tx) error {
		ok, err := revokeFamily(ctx, tx, tenant, familyID, time.Now(), &until)
		if err == nil && !ok {
			err = fmt.Errorf("refresh token family %q: %w", familyID, domain.ErrNotFound)
		}
		return err
	})
}

// AddRevocation records a revocation and sets r.Seq.
func (s *Store) AddRevocation(ctx context.Context, r *domain.Revocation) error {
	return s.write(ctx, func(tx *tx) error { return insertRevocation(ctx, tx, r) })
}

func insertRevocation(ctx context.Context, tx *tx, r *domain.Revocation) error {
	if err := lockFeed(ctx, tx, revocationLockKey); err != nil {
		return err
	}
	r.ExpiresAt = normTime(r.ExpiresAt)
	err := tx.queryRow(ctx, `INSERT INTO revocations (tenant, kind, value, expires_at) VALUES (?, ?, ?, ?)
		RETURNING seq`, r.Tenant, r.Kind, r.Value, tx.d.ts(r.ExpiresAt)).Scan(&r.Seq)
	if err != nil {
		return fmt.Errorf("revocation: %w", mapErr(err))
	}
	return nil
}

// deleteRevoking runs del, which deletes a bearer credential and returns
// its revocation, and records that revocation in the same transaction, so
// a credential is never gone from its table while caches elsewhere still
// trust it with no revocation to tell them otherwise.
func (s *Store) deleteRevoking(ctx context.Context, del func(tx *tx) (domain.Revocation, error)) (*domain.Revocation, error) {
	var rev domain.Revocation
	err := s.write(ctx, func(tx *tx) error {
		var err error
		if rev, err = del(tx); err != nil {
			return err
		}
		return insertRevocation(ctx, tx, &rev)
	})
	if err != nil {
		return nil, err
	}
	return &rev, nil
}

// RevocationsSince returns revocations after seq across tenants.
func (s *Store) RevocationsSince(ctx context.Context, after int64, limit int) ([]domain.Revocation, error) {
	if limit <= 0 || limit > 10000 {
		limit = 10000
	}
	rows, err := s.reader(ctx).query(ctx, `SELECT seq, tenant, kind, value, expires_at FROM revocations
		WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []domain.Revocation
	for rows.Next() {
		var r domain.Revocation
		if err := rows.Scan(&r.Seq, &r.Tenant, &r.Kind, &r.Value, timeCol{&r.ExpiresAt}); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// deleteBatch bounds each cleanup transaction, so purging a million
// expired tokens never holds SQLite's single writer for long.
var deleteBatch = 5000 // a var so tests can cross batch boundaries

// DeleteExpired purges rows that can no longer matter at now, and erases
// sealed refresh tokens no longer needed, in batches
// of deleteBatch rows per transaction. API tokens go only once expired for
// longer than domain.APITokenPurgeGrace, so their owners still see them.
func (s *Store) DeleteExpired(ctx context.Context, now time.Time) (int64, error) {
	var total int64
	for _, q := range []string{
		`DELETE FROM refresh_tokens WHERE (tenant, hash) IN
			(SELECT tenant, hash FROM refresh_tokens WHERE expires_at <= ? LIMIT ?)`,
		// Not a deletion: the sealed copies of refresh tokens whose
		// predecessor's grace period is over (refresh_grace.go).
		eraseSealed,
		`DELETE FROM revocations WHERE seq IN
			(SELECT seq FROM revocations WHERE expires_at <= ? LIMIT ?)`,
		`DELETE FROM embed_nonces WHERE (tenant, nonce) IN
			(SELECT tenant, nonce FROM embed_nonces WHERE expires_at <= ? LIMIT ?)`,
		s.d.apiTokenPurge(), // in apitokens.go: now minus the grace is the cutoff
		`DELETE FROM login_failures WHERE (tenant, username, addr) IN
			(SELECT tenant, username, addr FROM login_failures WHERE expires_at <= ? LIMIT ?)`,
		`DELETE FROM sessions WHERE (tenant, id) IN
			(SELECT tenant, id FROM sessions WHERE expires_at <= ? LIMIT ?)`,
		s.d.purgeIdleSessions(), // in sessions.go: the tenant's idle timeout
		// Redeemed codes too: a replay of one past its expiry is refused
		// as unknown anyway.
		`DELETE FROM auth_codes WHERE (tenant, hash) IN
			(SELECT tenant, hash FROM auth_codes WHERE expires_at <= ? LIMIT ?)`,
		// Few rows: one statement. Active keys have no publish_until.
		`DELETE FROM signing_keys WHERE retired_at IS NOT NULL AND publish_until <= ?`,
	} {
		n, err := s.purge(ctx, q, now)
		total += n
		if err != nil {
			return total, err
		}
	}
	// Not counted: the feed's own bookkeeping, whatever the caller did.
	_, err := s.purge(ctx, purgeChanges, now.Add(-domain.ChangeRetention))
	return total, err
}

// purge runs a cleanup DELETE whose first placeholder is the cutoff time
// and whose second, if any, is the batch size, one batch per transaction
// until a batch comes back short.
func (s *Store) purge(ctx context.Context, q string, cutoff time.Time) (int64, error) {
	var total int64
	for {
		var n int64
		err := s.writeWithin(ctx, s.bulk(), func(tx *tx) error {
			args := []any{tx.d.ts(cutoff), deleteBatch}
			if strings.Count(q, "?") == 1 {
				args = args[:1]
			}
			res, err := tx.exec(ctx, q, args...)
			if err != nil {
				return err
			}
			n, err = res.RowsAffected()
			return err
		})
		if err != nil {
			return total, err
		}
		total += n
		if n < int64(deleteBatch) {
			return total, nil
		}
	}
}

// tokenNotFound is notFound without an id: a token hash is no use in a
// message and should not reach logs.
func tokenNotFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("refresh token: %w", domain.ErrNotFound)
	}
	return mapErr(err)
}
