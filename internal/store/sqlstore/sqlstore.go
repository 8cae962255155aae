// Package sqlstore implements store.Store on SQL databases: SQLite (via
// modernc.org/sqlite, no cgo) for single-node installs and PostgreSQL (via
// pgx) for clusters. Both dialects share one set of queries, written with
// '?' placeholders, and one embedded migration set.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

var _ store.Store = (*Store)(nil)

// Store is a store.Store backed by SQLite or PostgreSQL.
type Store struct {
	d *dialect
	// w takes every transaction that writes. On SQLite it holds a single
	// connection whose transactions BEGIN IMMEDIATE, so writers queue in Go
	// instead of failing with SQLITE_BUSY. On PostgreSQL w and r are one pool.
	w *sql.DB
	r *sql.DB
	// Prepared statements for w and r; nil on PostgreSQL, where pgx
	// caches them per connection itself.
	ws, rs *stmtCache
	// group batches SQLite's writes into shared transactions; nil on
	// PostgreSQL, whose pool commits concurrently.
	group *groupCommitter
	// timeout is the deadline of each database call (deadline.go).
	timeout time.Duration
	// pgConfig is the PostgreSQL connection's, for Listen's own
	// connection; nil on SQLite.
	pgConfig *pgx.ConnConfig
}

// Open connects to dsn and applies pending migrations. A dsn starting with
// postgres:// or postgresql:// selects PostgreSQL; anything else is a SQLite
// file path, optionally prefixed with "sqlite:" or "file:".
func Open(ctx context.Context, dsn string, opts ...Option) (*Store, error) {
	var s *Store
	var err error
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		s, err = openPostgres(dsn, opts...)
	} else {
		s, err = openSQLite(dsn, opts...)
	}
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("sqlstore: migrate: %w", err)
	}
	return s, nil
}

func openPostgres(dsn string, opts ...Option) (*Store, error) {
	cfg, err := pgx.ParseConfig(dsn)
	if err != nil {
		return nil, fmt.Errorf("sqlstore: postgres dsn: %w", err)
	}
	s := newStore(postgresDialect, opts)
	// database/sql also dials in the background, outside any request's
	// deadline: without a bound, a frozen server would hold that dial
	// (and the pool's slot) forever. A dial made for a request is bounded
	// by the request's deadline as well.
	if cfg.ConnectTimeout == 0 {
		cfg.ConnectTimeout = max(s.timeout, minConnectTimeout)
	}
	db := stdlib.OpenDB(*cfg)
	db.SetMaxOpenConns(4 * runtime.GOMAXPROCS(0))
	db.SetMaxIdleConns(4 * runtime.GOMAXPROCS(0))
	s.w, s.r = db, db
	s.pgConfig = cfg
	return s, nil
}

// newStore returns a Store of dialect d with opts applied, not yet
// connected.
func newStore(d *dialect, opts []Option) *Store {
	s := &Store{d: d, timeout: DefaultTimeout}
	for _, o := range opts {
		o(s)
	}
	return s
}

func openSQLite(dsn string, opts ...Option) (*Store, error) {
	path := strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
	if path == "" {
		return nil, errors.New("sqlstore: empty sqlite path")
	}
	// A plain path (not a file: URI) keeps '%' and '#' literal; the driver
	// strips our query string before SQLite sees the name.
	if strings.IndexByte(path, '?') >= 0 {
		return nil, errors.New("sqlstore: sqlite dsn takes no query parameters; pragmas are fixed")
	}
	// synchronous=NORMAL is durable across application crashes in WAL mode
	// and only risks the last commits on power loss; busy_timeout covers
	// checkpoints and other processes.
	pragmas := url.Values{"_pragma": {
		"busy_timeout(10000)", "journal_mode(WAL)", "foreign_keys(1)", "synchronous(NORMAL)",
	}}
	wq := url.Values{"_pragma": pragmas["_pragma"], "_txlock": {"immediate"}}
	w, err := sql.Open("sqlite", path+"?"+wq.Encode())
	if err != nil {
		return nil, err
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	// Create the file and switch it to WAL before readers open it.
	if err := w.Ping(); err != nil {
		w.Close()
		return nil, fmt.Errorf("sqlstore: open sqlite %s: %w", path, err)
	}
	rq := url.Values{"_pragma": append(pragmas["_pragma"], "query_only(1)")}
	r, err := sql.Open("sqlite", path+"?"+rq.Encode())
	if err != nil {
		w.Close()
		return nil, err
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	s := newStore(sqliteDialect, opts)
	s.w, s.r, s.ws, s.rs = w, r, newStmtCache(w), newStmtCache(r)
	s.group = newGroupCommitter(s)
	return s, nil
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	ctx, cancel := budgeted(ctx, s.timeout)
	defer cancel()
	if err := s.w.PingContext(ctx); err != nil {
		return unavailable(err)
	}
	return unavailable(s.r.PingContext(ctx))
}

// Close closes both pools.
func (s *Store) Close() error {
	if s.group != nil {
		s.group.stop()
	}
	err := s.w.Close()
	if s.r != s.w {
		err = errors.Join(err, s.r.Close())
	}
	return err
}

// dialect holds what differs between SQLite and PostgreSQL.
type dialect struct {
	postgres bool
	types    *strings.Replacer // migration placeholders
	cache    sync.Map          // '?' query → '$n' query
}

var (
	sqliteDialect = &dialect{types: strings.NewReplacer(
		"{{id}}", "TEXT", "{{time}}", "INTEGER", "{{blob}}", "BLOB", "{{bool}}", "INTEGER",
		"{{int}}", "INTEGER", "{{seq}}", "INTEGER PRIMARY KEY AUTOINCREMENT")}
	// COLLATE "C" keeps ID order (and so paging) bytewise like SQLite,
	// whatever the database's locale.
	postgresDialect = &dialect{postgres: true, types: strings.NewReplacer(
		"{{id}}", `TEXT COLLATE "C"`, "{{time}}", "TIMESTAMPTZ", "{{blob}}", "BYTEA", "{{bool}}", "BOOLEAN",
		"{{int}}", "BIGINT", "{{seq}}", "BIGSERIAL PRIMARY KEY")}
)

// rebind turns '?' placeholders into PostgreSQL's $1, $2, … Our queries never
// contain a literal '?', so no quoting rules are needed.
func (d *dialect) rebind(q string) string {
	if !d.postgres || !strings.Contains(q, "?") {
		return q
	}
	if v, ok := d.cache.Load(q); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			fmt.Fprintf(&b, "$%d", n)
			continue
		}
		b.WriteByte(q[i])
	}
	d.cache.Store(q, b.String())
	return b.String()
}

// mapErr turns constraint violations into domain errors. The driver's text
// names tables and columns; callers wrap the result with the record they
// were writing, which is what API users should read. Foreign keys only
// point at tenants, so a violation means the tenant does not exist.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		switch pe.Code {
		case "23505":
			return domain.ErrConflict
		case "23503":
			return fmt.Errorf("tenant: %w", domain.ErrNotFound)
		}
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY, sqlite3.SQLITE_CONSTRAINT_UNIQUE:
			return domain.ErrConflict
		case sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY:
			return fmt.Errorf("tenant: %w", domain.ErrNotFound)
		}
	}
	return err
}

// notFound maps sql.ErrNoRows to a wrapped domain.ErrNotFound.
func notFound(err error, what string, id any) error {
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%s %q: %w", what, id, domain.ErrNotFound)
	}
	return mapErr(err)
}

// GetSetting returns a server-wide setting.
func (s *Store) GetSetting(ctx context.Context, key string) (string, error) {
	var v string
	err := s.reader(ctx).queryRow(ctx, `SELECT value FROM settings WHERE key = ?`, key).Scan(&v)
	if err != nil {
		return "", notFound(err, "setting", key)
	}
	return v, nil
}

// PutSetting inserts or replaces a server-wide setting.
func (s *Store) PutSetting(ctx context.Context, key, value string) error {
	return s.writeChange(ctx, change{"", domain.EntitySetting, key}, func(tx *tx) error {
		_, err := tx.exec(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET value = excluded.value`, key, value)
		return err
	})
}
