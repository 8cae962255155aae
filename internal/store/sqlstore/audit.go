package sqlstore

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// multiInsert is a multi-row INSERT whose text is built once per chunk
// size. Batches are cut into chunks of a few fixed sizes, so a batch of
// any length runs as a handful of statements whose texts the statement
// cache already holds, instead of one new query text per batch length.
type multiInsert struct {
	cols  int
	texts map[int]string
}

var chunkSizes = []int{256, 64, 16, 4, 1}

func newMultiInsert(head string, cols int, tail string) *multiInsert {
	m := &multiInsert{cols: cols, texts: map[int]string{}}
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", cols), ", ") + ")"
	for _, n := range chunkSizes {
		m.texts[n] = head + " VALUES " + strings.TrimSuffix(strings.Repeat(row+", ", n), ", ") + " " + tail
	}
	return m
}

// exec inserts n rows; row appends the arguments of row i to args.
func (m *multiInsert) exec(ctx context.Context, tx *tx, n int, row func(i int, args []any) []any) error {
	for i := 0; i < n; {
		size := chunkSizes[len(chunkSizes)-1]
		for _, c := range chunkSizes {
			if c <= n-i {
				size = c
				break
			}
		}
		args := make([]any, 0, size*m.cols)
		for j := i; j < i+size; j++ {
			args = row(j, args)
		}
		if _, err := tx.exec(ctx, m.texts[size], args...); err != nil {
			return err
		}
		i += size
	}
	return nil
}

var (
	auditInsert = newMultiInsert(`INSERT INTO audit_events (tenant, at, action, grant_type, outcome, reason,
		client_id, user_id, target, remote_addr, request_id)`, 11, "")
	// auditInsertUnnest is InsertAuditEvents' statement on PostgreSQL.
	auditInsertUnnest = `INSERT INTO audit_events (tenant, at, action, grant_type, outcome, reason,
		client_id, user_id, target, remote_addr, request_id)
		SELECT * FROM unnest(?::text[], ?::timestamptz[], ?::text[], ?::text[], ?::text[], ?::text[],
			?::text[], ?::text[], ?::text[], ?::text[], ?::text[])`
	countUpsert = newMultiInsert(`INSERT INTO token_counts (tenant, hour, grant_type, client_id, n)`, 5,
		`ON CONFLICT (tenant, hour, grant_type, client_id) DO UPDATE SET n = token_counts.n + excluded.n`)
	appUserInsert = newMultiInsert(`INSERT INTO app_users (tenant, client_id, user_id, first_seen)`, 4,
		`ON CONFLICT (tenant, client_id, user_id) DO NOTHING`)
	refusalUpsert = newMultiInsert(`INSERT INTO refusal_counts (tenant, hour, action, reason, n)`, 5,
		`ON CONFLICT (tenant, hour, action, reason) DO UPDATE SET n = refusal_counts.n + excluded.n`)
)

type countKey struct {
	tenant string
	hour   int64
	grant  string
	client string
}

type appUserKey struct{ tenant, client, user string }

type refusalKey struct {
	tenant string
	hour   int64
	action string
	reason string
}

// summary is what a batch of events adds to the statistics.
type summary struct {
	counts   map[countKey]int64
	users    map[appUserKey]time.Time
	refusals map[refusalKey]int64
}

// AppendAudit stores events and updates the statistics in one transaction;
// events InsertAuditEvents already stored are only counted.
func (s *Store) AppendAudit(ctx context.Context, events []domain.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	sum := summarise(events)
	fresh := make([]*domain.AuditEvent, 0, len(events))
	for i := range events {
		if !events[i].Stored {
			fresh = append(fresh, &events[i])
		}
	}
	return s.write(ctx, func(tx *tx) error {
		err := auditInsert.exec(ctx, tx, len(fresh), func(i int, a []any) []any { return auditRow(tx, fresh[i], a) })
		if err != nil {
			return fmt.Errorf("audit events: %w", err)
		}
		err = execSorted(ctx, tx, countUpsert, sum.counts, func(a, b countKey) int {
			return cmp.Or(cmp.Compare(a.tenant, b.tenant), cmp.Compare(a.hour, b.hour),
				cmp.Compare(a.grant, b.grant), cmp.Compare(a.client, b.client))
		}, func(k countKey, n int64, a []any) []any { return append(a, k.tenant, k.hour, k.grant, k.client, n) })
		if err != nil {
			return fmt.Errorf("token counts: %w", err)
		}
		err = execSorted(ctx, tx, refusalUpsert, sum.refusals, func(a, b refusalKey) int {
			return cmp.Or(cmp.Compare(a.tenant, b.tenant), cmp.Compare(a.hour, b.hour),
				cmp.Compare(a.action, b.action), cmp.Compare(a.reason, b.reason))
		}, func(k refusalKey, n int64, a []any) []any { return append(a, k.tenant, k.hour, k.action, k.reason, n) })
		if err != nil {
			return fmt.Errorf("refusal counts: %w", err)
		}
		err = execSorted(ctx, tx, appUserInsert, sum.users, func(a, b appUserKey) int {
			return cmp.Or(cmp.Compare(a.tenant, b.tenant), cmp.Compare(a.client, b.client), cmp.Compare(a.user, b.user))
		}, func(k appUserKey, first time.Time, a []any) []any {
			return append(a, k.tenant, k.client, k.user, tx.d.ts(first))
		})
		if err != nil {
			return fmt.Errorf("application users: %w", err)
		}
		return nil
	})
}

// InsertAuditEvents stores events, at most store.MaxInsertAuditEvents,
// and locks no counter row: their statistics wait for AppendAudit. On
// PostgreSQL it is one statement for any number of events (arrays,
// unnested), so its text is prepared once per connection; a text per
// count of rows was prepared again and again and cost more than it
// saved. SQLite joins the group commit like any write.
func (s *Store) InsertAuditEvents(ctx context.Context, events []domain.AuditEvent) error {
	if len(events) == 0 {
		return nil
	}
	if len(events) > store.MaxInsertAuditEvents {
		return fmt.Errorf("sqlstore: %d audit events in one insert, at most %d", len(events), store.MaxInsertAuditEvents)
	}
	if !s.d.postgres {
		return s.write(ctx, func(tx *tx) error {
			return auditInsert.exec(ctx, tx, len(events), func(i int, a []any) []any { return auditRow(tx, &events[i], a) })
		})
	}
	if len(events) == 1 { // the common case, without arrays to build and unnest
		return s.writeStatement(ctx, func(tx *tx) error {
			_, err := tx.exec(ctx, auditInsert.texts[1], auditRow(tx, &events[0], nil)...)
			return err
		})
	}
	cols := make([][]string, auditInsert.cols-1) // every column but at
	at := make([]time.Time, len(events))
	for i := range events {
		e := &events[i]
		at[i] = e.Time.UTC().Truncate(time.Microsecond)
		for c, v := range []string{e.Tenant, e.Action, e.Grant, e.Outcome, e.Reason, e.ClientID, e.UserID, e.Target, e.RemoteAddr, e.RequestID} {
			cols[c] = append(cols[c], v)
		}
	}
	return s.writeStatement(ctx, func(tx *tx) error {
		_, err := tx.exec(ctx, auditInsertUnnest, cols[0], at, cols[1], cols[2], cols[3], cols[4], cols[5], cols[6],
			cols[7], cols[8], cols[9])
		return err
	})
}

func auditRow(tx *tx, e *domain.AuditEvent, a []any) []any {
	return append(a, e.Tenant, tx.d.ts(e.Time), e.Action, e.Grant, e.Outcome, e.Reason,
		e.ClientID, e.UserID, e.Target, e.RemoteAddr, e.RequestID)
}

// execSorted inserts a row per entry of m in key order: two nodes
// upserting the same rows then lock them in the same order and cannot
// deadlock.
func execSorted[K comparable, V any](ctx context.Context, tx *tx, ins *multiInsert, m map[K]V,
	order func(a, b K) int, row func(k K, v V, args []any) []any) error {
	keys := slices.SortedFunc(maps.Keys(m), order)
	return ins.exec(ctx, tx, len(keys), func(i int, a []any) []any { return row(keys[i], m[keys[i]], a) })
}

// summarise aggregates a batch's issued tokens per hour, grant and
// application, its refusals per hour, action and reason, and the first
// use of each application by each user.
func summarise(events []domain.AuditEvent) summary {
	sum := summary{counts: map[countKey]int64{}, users: map[appUserKey]time.Time{}, refusals: map[refusalKey]int64{}}
	for i := range events {
		e := &events[i]
		hour := e.Time.Unix()
		hour -= hour % 3600
		if e.Outcome == domain.OutcomeFailure {
			sum.refusals[refusalKey{e.Tenant, hour, e.Action, e.Reason}]++
			continue
		}
		if e.Action != domain.ActionToken || e.Outcome != domain.OutcomeSuccess {
			continue
		}
		sum.counts[countKey{e.Tenant, hour, e.Grant, e.ClientID}]++
		if e.UserID != "" && (e.Grant == domain.GrantPassword || e.Grant == domain.GrantEmbedSecret) {
			k := appUserKey{e.Tenant, e.ClientID, e.UserID}
			if t, ok := sum.users[k]; !ok || e.Time.Before(t) {
				sum.users[k] = e.Time
			}
		}
	}
	return sum
}

// Open ends of time ranges: far enough to hold any event, near enough for
// SQLite's integer nanoseconds.
var (
	timeMin = time.Unix(0, 0).UTC()
	timeMax = time.Date(2200, 1, 1, 0, 0, 0, 0, time.UTC)
)

// ListAudit pages through a tenant's events, newest first. One query text
// serves every combination of filters ("? = ” OR col = ?"), so the
// statement cache holds one entry, and the (tenant, at, id) index bounds
// the scan by the time range and cursor.
func (s *Store) ListAudit(ctx context.Context, tenant string, f domain.AuditFilter) ([]domain.AuditEvent, error) {
	t := s.reader(ctx)
	since, until := f.Since, f.Until
	if since.IsZero() {
		since = timeMin
	}
	if until.IsZero() {
		until = timeMax
	}
	curTime, curID := timeMax, int64(math.MaxInt64)
	if f.After != nil {
		curTime, curID = normTime(f.After.Time), f.After.ID
		if c := curTime.Add(time.Microsecond); c.Before(until) {
			until = c
		}
	}
	rows, err := t.query(ctx, `SELECT id, at, action, grant_type, outcome, reason, client_id, user_id,
		target, remote_addr, request_id FROM audit_events
		WHERE tenant = ? AND at >= ? AND at < ? AND (at < ? OR id < ?)
		AND (? = '' OR action = ?) AND (? = '' OR grant_type = ?) AND (? = '' OR outcome = ?)
		AND (? = '' OR client_id = ?) AND (? = '' OR user_id = ?)
		ORDER BY at DESC, id DESC LIMIT ?`,
		tenant, t.d.ts(since), t.d.ts(until), t.d.ts(curTime), curID,
		f.Action, f.Action, f.Grant, f.Grant, f.Outcome, f.Outcome,
		f.ClientID, f.ClientID, f.UserID, f.UserID, pageLimit(domain.Page{Limit: f.Limit}))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.AuditEvent{}
	for rows.Next() {
		e := domain.AuditEvent{Tenant: tenant}
		if err := rows.Scan(&e.ID, timeCol{&e.Time}, &e.Action, &e.Grant, &e.Outcome, &e.Reason,
			&e.ClientID, &e.UserID, &e.Target, &e.RemoteAddr, &e.RequestID); err != nil {
			return nil, err
		}
		out = append(out, e)
	}
	return out, rows.Err()
}

// TokenCounts sums the hourly counters into buckets of bucket seconds;
// UTC days start at multiples of 86,400 unix seconds.
func (s *Store) TokenCounts(ctx context.Context, tenant string, since, until time.Time, bucket time.Duration) ([]domain.TokenCount, error) {
	if bucket != time.Hour && bucket != 24*time.Hour {
		return nil, fmt.Errorf("sqlstore: token count bucket %v: want an hour or a day", bucket)
	}
	rows, err := s.reader(ctx).query(ctx, `SELECT hour - (hour % ?) AS b, grant_type, client_id, CAST(SUM(n) AS BIGINT)
		FROM token_counts WHERE tenant = ? AND hour >= ? AND hour < ?
		GROUP BY b, grant_type, client_id ORDER BY b, grant_type, client_id`,
		int64(bucket/time.Second), tenant, since.Unix(), until.Unix())
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := []domain.TokenCount{}
	for rows.Next() {
		var c domain.TokenCount
		var start int64
		if err := rows.Scan(&start, &c.Grant, &c.ClientID, &c.Count); err != nil {
			return nil, err
		}
		c.Start = time.Unix(start, 0).UTC()
		out = append(out, c)
	}
	return out, rows.Err()
}

// ApplicationUsers pages through an application's users by id.
func (s *Store) ApplicationUsers(ctx context.Context, tenant, clientID string, p domain.Page) ([]domain.AppUser, int64, error) {
	t := s.reader(ctx)
	var total int64
	if err := t.queryRow(ctx, `SELECT COUNT(*) FROM app_users WHERE tenant = ? AND client_id = ?`,
		tenant, clientID).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := t.query(ctx, `SELECT user_id, first_seen FROM app_users
		WHERE tenant = ? AND client_id = ? AND user_id > ? ORDER BY user_id LIMIT ?`,
		tenant, clientID, p.After, pageLimit(p))
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	out := []domain.AppUser{}
	for rows.Next() {
		var u domain.AppUser
		if err := rows.Scan(&u.UserID, timeCol{&u.FirstSeen}); err != nil {
			return nil, 0, err
		}
		out = append(out, u)
	}
	return out, total, rows.Err()
}

// DeleteAuditBefore purges old events in batches of deleteBatch rows, so
// a large purge never holds SQLite's writer for long.
func (s *Store) DeleteAuditBefore(ctx context.Context, before time.Time) (int64, error) {
	return s.purge(ctx, `DELETE FROM audit_events WHERE id IN
		(SELECT id FROM audit_events WHERE at < ? LIMIT ?)`, before)
}

// DBs returns the connection pools by role, for pool metrics: "writer"
// and "reader" on SQLite, one "main" pool on PostgreSQL.
func (s *Store) DBs() map[string]*sql.DB {
	if s.r == s.w {
		return map[string]*sql.DB{"main": s.w}
	}
	return map[string]*sql.DB{"writer": s.w, "reader": s.r}
}
