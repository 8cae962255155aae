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

// RotateSigningKey retires the keys of next's use that sign at
// next.CreatedAt or are scheduled to (retired then, kept in the JWKS until
// publishUntil) and stores next, in one transaction; the keys of the other
// use are left alone.
func (s *Store) RotateSigningKey(ctx context.Context, tenant string, next *domain.SigningKey, publishUntil time.Time) error {
	if next.CreatedAt.IsZero() {
		next.CreatedAt = time.Now()
	}
	return s.writeChange(ctx, change{tenant, domain.EntitySigningKey, next.ID}, func(tx *tx) error {
		if err := lockKeyRotation(ctx, tx, tenant, next.Use); err != nil {
			return err
		}
		return replaceSigningKey(ctx, tx, tenant, next, publishUntil)
	})
}

// ScheduleSigningKey is RotateSigningKey for automatic rotation: next
// starts signing at its CreatedAt, normally ahead. It stores nothing and
// returns ErrConflict when a key of next's use was created after
// dueBefore, so that of the nodes that found the tenant due at once, the
// first schedules and the others see it done.
func (s *Store) ScheduleSigningKey(ctx context.Context, tenant string, next *domain.SigningKey, publishUntil, dueBefore time.Time) error {
	return s.writeChange(ctx, change{tenant, domain.EntitySigningKey, next.ID}, func(tx *tx) error {
		if err := lockKeyRotation(ctx, tx, tenant, next.Use); err != nil {
			return err
		}
		var newer int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM signing_keys WHERE tenant = ? AND key_use = ? AND created_at > ?`,
			tenant, next.Use, tx.d.ts(dueBefore)).Scan(&newer); err != nil {
			return err
		}
		if newer > 0 {
			return fmt.Errorf("signing key of tenant %q: already rotated: %w", tenant, domain.ErrConflict)
		}
		return replaceSigningKey(ctx, tx, tenant, next, publishUntil)
	})
}

// replaceSigningKey retires, at next.CreatedAt, every key of next's use
// still signing then (a scheduled successor too: it never signs, and
// leaves the JWKS with the others), and stores next.
func replaceSigningKey(ctx context.Context, tx *tx, tenant string, next *domain.SigningKey, publishUntil time.Time) error {
	at := tx.d.ts(next.CreatedAt)
	if _, err := tx.exec(ctx, `UPDATE signing_keys SET retired_at = ?, publish_until = ?
		WHERE tenant = ? AND key_use = ? AND (retired_at IS NULL OR retired_at > ?)`,
		at, tx.d.ts(publishUntil), tenant, next.Use, at); err != nil {
		return err
	}
	return insertSigningKey(ctx, tx, tenant, next)
}

// DueSigningKeys returns, for automatic rotation, each tenant's key uses
// whose newest key was created at or before createdBefore: the signing
// key is that old and no successor is scheduled.
func (s *Store) DueSigningKeys(ctx context.Context, createdBefore time.Time) ([]domain.KeyUseRef, error) {
	t := s.reader(ctx)
	return queryAll(ctx, t, func(rows *sql.Rows, r *domain.KeyUseRef) error {
		return rows.Scan(&r.Tenant, &r.Use)
	}, `SELECT tenant, key_use FROM signing_keys GROUP BY tenant, key_use
		HAVING MAX(created_at) <= ? ORDER BY tenant, key_use`, t.d.ts(createdBefore))
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
	t := s.reader(ctx)
	return queryAll(ctx, t, func(rows *sql.Rows, k *domain.SigningKey) error {
		k.Tenant = tenant
		return rows.Scan(&k.ID, &k.Algorithm, &k.Use, &k.PublicKey, &k.PrivateKey, timeCol{&k.CreatedAt},
			nullTimeCol{&k.RetiredAt}, nullTimeCol{&k.PublishUntil})
	}, `SELECT `+keyCols+` FROM signing_keys
		WHERE tenant = ? AND (retired_at IS NULL OR publish_until > ?)
		ORDER BY created_at DESC, id DESC`, tenant, t.d.ts(now))
}
