package sqlstore

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

const failureCols = `tenant, username, addr, failures, last_at, expires_at`

func scanFailures(rows *sql.Rows, f *domain.LoginFailures) error {
	return rows.Scan(&f.Key.Tenant, &f.Key.Username, &f.Key.Addr, &f.Count, timeCol{&f.Last}, timeCol{&f.ExpiresAt})
}

// LoginFailures reads the live counters among keys in one statement: the
// sign-in path asks for a username's, its address's and both together.
func (s *Store) LoginFailures(ctx context.Context, keys []domain.ThrottleKey, now time.Time) ([]domain.LoginFailures, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	args := []any{s.d.ts(now)}
	for _, k := range keys {
		args = append(args, k.Tenant, k.Username, k.Addr)
	}
	return queryAll(ctx, s.reader(ctx), scanFailures, `SELECT `+failureCols+` FROM login_failures
		WHERE expires_at > ? AND (tenant, username, addr) IN (`+tuples(len(keys))+`)`, args...)
}

// AddLoginFailure counts a failure on every key in one upsert: a live
// counter goes up by one, an expired one starts again, and each expires a
// window after this failure. One statement, so concurrent failures on
// several nodes serialise on the primary key and none is lost.
func (s *Store) AddLoginFailure(ctx context.Context, keys []domain.ThrottleKey, now time.Time, window time.Duration) ([]domain.LoginFailures, error) {
	if len(keys) == 0 {
		return nil, nil
	}
	var out []domain.LoginFailures
	err := s.writeStatement(ctx, func(tx *tx) error {
		args := make([]any, 0, 5*len(keys))
		for _, k := range keys {
			args = append(args, k.Tenant, k.Username, k.Addr, tx.d.ts(now), tx.d.ts(now.Add(window)))
		}
		values := strings.TrimSuffix(strings.Repeat("(?, ?, ?, 1, ?, ?), ", len(keys)), ", ")
		var err error
		out, err = queryAll(ctx, tx, scanFailures, `INSERT INTO login_failures (`+failureCols+`) VALUES `+values+`
			ON CONFLICT (tenant, username, addr) DO UPDATE SET
				failures = CASE WHEN login_failures.expires_at <= excluded.last_at THEN 1
					ELSE login_failures.failures + 1 END,
				last_at = excluded.last_at, expires_at = excluded.expires_at
			RETURNING `+failureCols, args...)
		return err
	})
	return out, err
}

// ClearLoginFailures forgets a username's counters at every address; the
// counters of the addresses themselves stay, since they are not the user's.
func (s *Store) ClearLoginFailures(ctx context.Context, tenant, username string) error {
	return s.writeStatement(ctx, func(tx *tx) error {
		_, err := tx.exec(ctx, `DELETE FROM login_failures WHERE tenant = ? AND username = ?`, tenant, username)
		return err
	})
}

// tuples returns n row values of three placeholders, "(?, ?, ?), …".
func tuples(n int) string {
	return strings.TrimSuffix(strings.Repeat("(?, ?, ?), ", n), ", ")
}
