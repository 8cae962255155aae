package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Browser sessions are read by every node from here and cached by none,
// so they append nothing to the change feed: a session ended on one node
// is ended everywhere at its next request.

const sessionCols = `id, hash, user_id, methods, auth_time, created_at, last_seen_at, expires_at`

func scanSession(sc interface{ Scan(...any) error }, x *domain.Session) error {
	var user sql.NullString
	err := sc.Scan(&x.ID, &x.Hash, &user, listCol{&x.Methods}, timeCol{&x.AuthTime},
		timeCol{&x.CreatedAt}, timeCol{&x.LastSeenAt}, timeCol{&x.ExpiresAt})
	x.UserID, x.Bootstrap = user.String, !user.Valid
	return err
}

// sessionUser is the user_id column of x: NULL for a bootstrap session.
func sessionUser(x *domain.Session) sql.NullString {
	return sql.NullString{String: x.UserID, Valid: !x.Bootstrap}
}

// CreateSession stores a new session of an existing user (ErrNotFound
// otherwise), or a bootstrap session, of no user. CreatedAt defaults to now and LastSeenAt to CreatedAt.
func (s *Store) CreateSession(ctx context.Context, tenant string, x *domain.Session) error {
	if x.CreatedAt.IsZero() {
		x.CreatedAt = time.Now()
	}
	if x.LastSeenAt.IsZero() {
		x.LastSeenAt = x.CreatedAt
	}
	x.AuthTime, x.CreatedAt = normTime(x.AuthTime), normTime(x.CreatedAt)
	x.LastSeenAt, x.ExpiresAt = normTime(x.LastSeenAt), normTime(x.ExpiresAt)
	return s.writeStatement(ctx, func(tx *tx) error {
		_, err := tx.exec(ctx, `INSERT INTO sessions (tenant, `+sessionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			tenant, x.ID, x.Hash, sessionUser(x), encList(x.Methods), tx.d.ts(x.AuthTime), tx.d.ts(x.CreatedAt),
			tx.d.ts(x.LastSeenAt), tx.d.ts(x.ExpiresAt))
		if err != nil {
			return fmt.Errorf("session %q: %w", x.ID, ofUser(mapErr(err), x.UserID))
		}
		x.Tenant = tenant
		return nil
	})
}

// ofUser reads the foreign-key failure of a row that belongs to a user
// (mapErr's "tenant: not found") as what it is: no such user in the
// tenant, whether or not the tenant exists.
func ofUser(err error, userID string) error {
	if errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("user %q: %w", userID, domain.ErrNotFound)
	}
	return err
}

// GetSession returns the live session whose cookie hashes to hash. The
// absolute expiry is checked in SQL; the idle timeout after reading.
func (s *Store) GetSession(ctx context.Context, tenant string, hash []byte, idle time.Duration, now time.Time) (*domain.Session, error) {
	t := s.reader(ctx)
	x := domain.Session{Tenant: tenant}
	row := t.queryRow(ctx, `SELECT `+sessionCols+` FROM sessions WHERE tenant = ? AND hash = ? AND expires_at > ?`,
		tenant, hash, t.d.ts(now))
	if err := scanSession(row, &x); err != nil {
		return nil, sessionNotFound(err)
	}
	if idle > 0 && now.Sub(x.LastSeenAt) >= idle {
		return nil, sessionNotFound(sql.ErrNoRows)
	}
	return &x, nil
}

// sessionNotFound is notFound without the hash, which is as good as the
// cookie for logs' readers.
func sessionNotFound(err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("session: %w", domain.ErrNotFound)
	}
	return mapErr(err)
}

// TouchSession sets a session's last activity to at, in one statement.
func (s *Store) TouchSession(ctx context.Context, tenant, id string, at time.Time) error {
	return s.writeStatement(ctx, func(tx *tx) error {
		return tx.execOne(ctx, fmt.Errorf("session %q: %w", id, domain.ErrNotFound),
			`UPDATE sessions SET last_seen_at = ? WHERE tenant = ? AND id = ?`, tx.d.ts(at), tenant, id)
	})
}

// ListSessions returns a user's live sessions, newest first. Unlike
// GetSession it is given no idle timeout: it applies the tenant's.
func (s *Store) ListSessions(ctx context.Context, tenant, userID string, now time.Time) ([]domain.Session, error) {
	t := s.reader(ctx)
	return queryAll(ctx, t, func(rows *sql.Rows, x *domain.Session) error {
		x.Tenant = tenant
		return scanSession(rows, x)
	}, `SELECT `+prefixed("s.", sessionCols)+` FROM sessions s JOIN tenants t ON t.id = s.tenant
		WHERE s.tenant = ? AND s.user_id = ? AND s.expires_at > ? AND NOT `+t.d.sessionIdle()+`
		ORDER BY s.created_at DESC, s.id DESC`, tenant, userID, t.d.ts(now), t.d.ts(now))
}

// sessionIdle is the condition that the session row s has been idle for
// its tenant's (row t) idle timeout at the time given as the next
// parameter. Times are unix nanoseconds on SQLite and TIMESTAMPTZ on
// PostgreSQL, whose timeout in nanoseconds becomes microseconds (its
// precision) of an interval.
func (d *dialect) sessionIdle() string {
	idle := fmt.Sprintf(`(CASE WHEN t.session_idle_timeout_ns > 0 THEN t.session_idle_timeout_ns ELSE %d END)`,
		int64(domain.DefaultSessionIdleTimeout))
	if d.postgres {
		return `s.last_seen_at + ` + idle + ` / 1000 * INTERVAL '1 microsecond' <= ?`
	}
	return `s.last_seen_at + ` + idle + ` <= ?`
}

// purgeIdleSessions is DeleteExpired's query for sessions idle past their
// tenant's timeout. It reads every session (last_seen_at changes on each
// touch, and an index on it would make every touch write it), a price
// paid every ten minutes rather than on every request; sessions_expires
// serves the purge by absolute expiry.
func (d *dialect) purgeIdleSessions() string {
	return `DELETE FROM sessions WHERE (tenant, id) IN (SELECT s.tenant, s.id FROM sessions s
		JOIN tenants t ON t.id = s.tenant WHERE ` + d.sessionIdle() + ` LIMIT ?)`
}

// DeleteSession ends one of a user's sessions; userID "" names a
// bootstrap session.
func (s *Store) DeleteSession(ctx context.Context, tenant, userID, id string) error {
	return s.writeStatement(ctx, func(tx *tx) error {
		return tx.execOne(ctx, fmt.Errorf("session %q: %w", id, domain.ErrNotFound),
			`DELETE FROM sessions WHERE tenant = ? AND id = ? AND COALESCE(user_id, '') = ?`, tenant, id, userID)
	})
}

// DeleteUserSessions ends all of a user's sessions and counts them.
func (s *Store) DeleteUserSessions(ctx context.Context, tenant, userID string) (int64, error) {
	var n int64
	err := s.writeStatement(ctx, func(tx *tx) error {
		res, err := tx.exec(ctx, `DELETE FROM sessions WHERE tenant = ? AND user_id = ?`, tenant, userID)
		if err != nil {
			return err
		}
		n, err = res.RowsAffected()
		return err
	})
	return n, err
}
