package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// maxRefusalRows bounds RefusalCounts: reasons are error codes, a few
// dozen at most, so more rows would mean a bug, not more to show.
const maxRefusalRows = 100

// RefusalCounts sums the hourly refusal counters of the range; the
// primary key (tenant, hour, …) bounds the scan to the range's rows.
func (s *Store) RefusalCounts(ctx context.Context, tenant string, since, until time.Time) ([]domain.RefusalCount, error) {
	rows, err := s.reader(ctx).query(ctx, `SELECT action, reason, CAST(SUM(n) AS BIGINT) AS total
		FROM refusal_counts WHERE tenant = ? AND hour >= ? AND hour < ?
		GROUP BY action, reason ORDER BY total DESC, action, reason LIMIT ?`,
		tenant, since.Unix(), until.Unix(), maxRefusalRows)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.RefusalCount{}
	for rows.Next() {
		var c domain.RefusalCount
		if err := rows.Scan(&c.Action, &c.Reason, &c.Count); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ApplicationUserCounts walks the primary key (tenant, client_id,
// user_id) in order and stops after the page's applications, so a page
// reads the user rows of its own applications only.
func (s *Store) ApplicationUserCounts(ctx context.Context, tenant string, p domain.Page) ([]domain.AppUserCount, error) {
	rows, err := s.reader(ctx).query(ctx, `SELECT client_id, COUNT(*) FROM app_users
		WHERE tenant = ? AND client_id > ? GROUP BY client_id ORDER BY client_id LIMIT ?`,
		tenant, p.After, pageLimit(p))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.AppUserCount{}
	for rows.Next() {
		var c domain.AppUserCount
		if err := rows.Scan(&c.ClientID, &c.Users); err != nil {
			return nil, err
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// CountEntities counts in one statement, each count over the tenant's
// range of its table's primary key.
func (s *Store) CountEntities(ctx context.Context, tenant string) (domain.TenantCounts, error) {
	var c domain.TenantCounts
	err := s.reader(ctx).queryRow(ctx, `SELECT
		(SELECT COUNT(*) FROM users WHERE tenant = ?),
		(SELECT COUNT(*) FROM applications WHERE tenant = ?),
		(SELECT COUNT(*) FROM apis WHERE tenant = ?)`,
		tenant, tenant, tenant).Scan(&c.Users, &c.Applications, &c.APIs)
	return c, err
}

// APITokenUsage counts over the tenant's range of api_tokens_hash in one
// pass; the statement's text depends only on how many cut-offs there are.
func (s *Store) APITokenUsage(ctx context.Context, tenant string, now time.Time, since ...time.Time) (domain.APITokenUsage, error) {
	t := s.reader(ctx)
	var q strings.Builder
	q.WriteString(`SELECT COUNT(*),
		COUNT(CASE WHEN expires_at IS NOT NULL AND expires_at <= ? THEN 1 END),
		COUNT(CASE WHEN last_used_at IS NULL THEN 1 END)`)
	args := []any{t.d.ts(now)}
	for _, at := range since {
		q.WriteString(`, COUNT(CASE WHEN last_used_at >= ? THEN 1 END)`)
		args = append(args, t.d.ts(at))
	}
	q.WriteString(` FROM api_tokens WHERE tenant = ?`)
	args = append(args, tenant)
	u := domain.APITokenUsage{UsedSince: make([]domain.UsedSince, len(since))}
	dest := []any{&u.Total, &u.Expired, &u.NeverUsed}
	for i, at := range since {
		u.UsedSince[i].Since = at
		dest = append(dest, &u.UsedSince[i].Count)
	}
	err := t.queryRow(ctx, q.String(), args...).Scan(dest...)
	return u, err
}
