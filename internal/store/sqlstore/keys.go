package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

const keyCols = `id, algorithm, key_use, public_key, private_key, created_at, retired_at, publish_until`

// CreateSigningKey stores a key as given (normally the tenant's first of
// its use).
func (s *Store) CreateSigningKey(ctx context.Context, tenant string, k *domain.SigningKey) error {
	return s.writeChange(ctx, change{tenant, domain.EntitySigningKey, k.ID}, func(tx *tx) error {
		return insertSigningKey(ctx, tx, tenant, k)
	})
}

func insertSigningKey(ctx context.Context, tx *tx, tenant string, k *domain.SigningKey) error {
	if k.CreatedAt.IsZero() {
		k.CreatedAt = time.Now()
	}
	k.CreatedAt = normTime(k.CreatedAt)
	_, err := tx.exec(ctx, `INSERT INTO signing_keys (tenant, `+keyCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		tenant, k.ID, k.Algorithm, k.Use, secret(k.PublicKey), secret(k.PrivateKey), tx.d.ts(k.CreatedAt),
		tx.d.tsPtr(k.RetiredAt), tx.d.tsPtr(k.PublishUntil))
	if err != nil {
		return fmt.Errorf("signing key %q: %w", k.ID, mapErr(err))
	}
	k.Tenant = tenant
	return nil
}

// RotateSigningKey retires the active keys of next's use (retired at
// next.CreatedAt, kept in the JWKS until publishUntil) and stores next, in
// one transaction; the active keys of the other use stay active.
func (s *Store) RotateSigningKey(ctx context.Context, tenant string, next *domain.SigningKey, publishUntil time.Time) error {
	if next.CreatedAt.IsZero() {
		next.CreatedAt = time.Now()
	}
	return s.writeChange(ctx, change{tenant, domain.EntitySigningKey, next.ID}, func(tx *tx) error {
		if err := lockKeyRotation(ctx, tx, tenant, next.Use); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE signing_keys SET retired_at = ?, publish_until = ?
			WHERE tenant = ? AND retired_at IS NULL AND key_use = ?`,
			tx.d.ts(next.CreatedAt), tx.d.ts(publishUntil), tenant, next.Use); err != nil {
			return err
		}
		return insertSigningKey(ctx, tx, tenant, next)
	})
}

// keyRotationLockClass is the first half of the pg_advisory lock that
// serialises the rotations of one tenant's keys of one use.
const keyRotationLockClass = 0x6b6579 // "key"

// lockKeyRotation makes two rotations of tenant's keys of use take turns.
// Without it, on READ COMMITTED, the second rotation's UPDATE waits for the
// first's row lock on the old key, then skips that key, now retired, and
// cannot see the key the first inserted: both new keys stay active. After
// the lock, the UPDATE's snapshot includes the first rotation's key and
// retires it. SQLite's one writer runs rotations one at a time anyway.
func lockKeyRotation(ctx context.Context, tx *tx, tenant, use string) error {
	if !tx.d.postgres {
		return nil
	}
	_, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock(?, hashtext(?))`, keyRotationLockClass, tenant+":"+use)
	return err
}

// ListSigningKeys returns active keys of every use and retired keys still
// published at now, newest first.
func (s *Store) ListSigningKeys(ctx context.Context, tenant string, now time.Time) ([]domain.SigningKey, error) {
	t := s.reader()
	return queryAll(ctx, t, func(rows *sql.Rows, k *domain.SigningKey) error {
		k.Tenant = tenant
		return rows.Scan(&k.ID, &k.Algorithm, &k.Use, &k.PublicKey, &k.PrivateKey, timeCol{&k.CreatedAt},
			nullTimeCol{&k.RetiredAt}, nullTimeCol{&k.PublishUntil})
	}, `SELECT `+keyCols+` FROM signing_keys
		WHERE tenant = ? AND (retired_at IS NULL OR publish_until > ?)
		ORDER BY created_at DESC, id DESC`, tenant, t.d.ts(now))
}
