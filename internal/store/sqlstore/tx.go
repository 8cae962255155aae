package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"sync"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
)

// write runs fn in a transaction on the writer and commits if fn succeeds.
// fn may return a commitErr to commit and still report an error (refresh
// token reuse must persist the family revocation). PostgreSQL may abort a
// transaction as a deadlock victim (two replays of one family revoking it
// at once) or a serialization failure; those are retried, so fn must be
// safe to run again.
func (s *Store) write(ctx context.Context, fn func(*tx) error) error {
	ctx, cancel := budgeted(ctx, s.timeout)
	defer cancel()
	return s.writeWithin(ctx, s.timeout, fn)
}

// writeWithin is write under deadline d instead of the store's: bulk work
// passes s.bulk(), migrations 0 (their caller's context bounds them).
func (s *Store) writeWithin(ctx context.Context, d time.Duration, fn func(*tx) error) error {
	if ok, err := joined(ctx, fn); ok {
		return err
	}
	ctx, cancel := bound(ctx, d)
	defer cancel()
	if s.group != nil {
		return unavailable(s.group.do(ctx, fn))
	}
	for attempt := 1; ; attempt++ {
		err := s.writeOnce(ctx, fn)
		if attempt < 3 && retryable(err) {
			continue
		}
		return unavailable(err)
	}
}

// writeStatement runs fn, which issues exactly one statement. On
// PostgreSQL it runs outside an explicit transaction: one statement is
// atomic on its own, and BEGIN and COMMIT would be two more round trips on
// the hot path of every grant that stores a refresh token. On SQLite it
// joins the group commit like any write.
func (s *Store) writeStatement(ctx context.Context, fn func(*tx) error) error {
	if ok, err := joined(ctx, fn); ok {
		return err
	}
	if s.d.postgres {
		return mapErr(fn(&tx{q: s.w, d: s.d, timeout: s.timeout}))
	}
	return s.write(ctx, fn)
}

func retryable(err error) bool {
	var pe *pgconn.PgError
	return errors.As(err, &pe) && (pe.Code == "40P01" || pe.Code == "40001")
}

func (s *Store) writeOnce(ctx context.Context, fn func(*tx) error) error {
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	defer s.ws.preparePending(ctx)
	err = fn(&tx{q: t, sqlTx: t, cache: s.ws, d: s.d, txCtx: ctx})
	var ce commitErr
	if err != nil && !errors.As(err, &ce) {
		t.Rollback()
		return mapErr(err)
	}
	if cerr := t.Commit(); cerr != nil {
		return mapErr(cerr)
	}
	if ce.err != nil {
		return ce.err
	}
	return nil
}

// commitErr wraps an error that must not roll the transaction back.
type commitErr struct{ err error }

func (e commitErr) Error() string { return e.err.Error() }
func (e commitErr) Unwrap() error { return e.err }

// reader returns a handle for single-statement reads outside a
// transaction; under an Atomic's context, its transaction, so that what
// it wrote reads back.
func (s *Store) reader(ctx context.Context) *tx {
	if t, ok := ctx.Value(atomicKey{}).(*tx); ok {
		return t
	}
	return &tx{q: s.r, cache: s.rs, d: s.d, timeout: s.timeout}
}

// querier is what *sql.DB and *sql.Tx have in common.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// tx is a transaction or a read pool with the dialect's placeholder
// rewriting, passed to the private helpers.
type tx struct {
	q     querier
	sqlTx *sql.Tx // nil outside a transaction
	cache *stmtCache
	d     *dialect
	// shared marks a transaction that several callers' writes share (see
	// groupcommit.go): their statements ignore cancellation, since SQLite
	// answers an interrupted write by rolling back the whole transaction.
	shared bool
	// txCtx is the context of a transaction of one caller, which carries
	// its deadline; its statements run under it, whatever context the
	// caller's closure hands them.
	txCtx context.Context
	// timeout bounds each statement outside a transaction (see deadline.go).
	timeout time.Duration
}

// ctx returns the context a statement runs under, with its deadline, and
// the function that releases that deadline.
func (t *tx) ctx(ctx context.Context) (context.Context, context.CancelFunc) {
	switch {
	case t.shared:
		return context.WithoutCancel(ctx), noop
	case t.txCtx != nil:
		return t.txCtx, noop
	}
	return budgeted(ctx, t.timeout)
}

// prepared returns a cached statement bound to the transaction, or
// nil when the query is not cacheable.
func (t *tx) prepared(ctx context.Context, query string) *sql.Stmt {
	st := t.cache.get(ctx, query, t.sqlTx != nil)
	if st != nil && t.sqlTx != nil {
		st = t.sqlTx.StmtContext(ctx, st)
	}
	return st
}

func (t *tx) exec(ctx context.Context, query string, args ...any) (sql.Result, error) {
	sctx, cancel := t.ctx(ctx)
	cancel = traced(ctx, t.d, query, cancel)
	defer cancel()
	ctx = sctx
	var res sql.Result
	var err error
	if st := t.prepared(ctx, query); st != nil {
		res, err = st.ExecContext(ctx, args...)
	} else {
		res, err = t.q.ExecContext(ctx, t.d.rebind(query), args...)
	}
	return res, unavailable(err)
}

// execScript runs several statements at once, unprepared (migrations).
func (t *tx) execScript(ctx context.Context, script string) error {
	ctx, cancel := t.ctx(ctx)
	defer cancel()
	_, err := t.q.ExecContext(ctx, script)
	return unavailable(err)
}

// query runs a query; the caller must Close the rows, which ends the
// statement's deadline.
func (t *tx) query(ctx context.Context, query string, args ...any) (*rows, error) {
	sctx, cancel := t.ctx(ctx)
	cancel = traced(ctx, t.d, query, cancel)
	ctx = sctx
	var rs *sql.Rows
	var err error
	if st := t.prepared(ctx, query); st != nil {
		rs, err = st.QueryContext(ctx, args...)
	} else {
		rs, err = t.q.QueryContext(ctx, t.d.rebind(query), args...)
	}
	if err != nil {
		cancel()
		return nil, unavailable(err)
	}
	return &rows{Rows: rs, cancel: cancel}, nil
}

// queryRow runs a query of one row; its Scan ends the deadline.
func (t *tx) queryRow(ctx context.Context, query string, args ...any) *row {
	sctx, cancel := t.ctx(ctx)
	cancel = traced(ctx, t.d, query, cancel)
	ctx = sctx
	if st := t.prepared(ctx, query); st != nil {
		return &row{r: st.QueryRowContext(ctx, args...), cancel: cancel}
	}
	return &row{r: t.q.QueryRowContext(ctx, t.d.rebind(query), args...), cancel: cancel}
}

// execOne runs an UPDATE or DELETE and reports notFound when no row matched.
func (t *tx) execOne(ctx context.Context, notFound error, query string, args ...any) error {
	res, err := t.exec(ctx, query, args...)
	if err != nil {
		return err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return err
	}
	if n == 0 {
		return notFound
	}
	return nil
}

// stmtCache keeps one prepared statement per query text. modernc's driver
// prepares afresh on every call, which cost a quarter of a refresh
// rotation's CPU.
type stmtCache struct {
	db      *sql.DB
	mu      sync.Mutex
	m       map[string]*sql.Stmt
	pending map[string]bool // seen inside a transaction, to prepare after it
}

// maxStmts bounds the cache: queries built at run time (RoleScopes' IN
// list) vary with their input.
const maxStmts = 256

func newStmtCache(db *sql.DB) *stmtCache {
	return &stmtCache{db: db, m: map[string]*sql.Stmt{}, pending: map[string]bool{}}
}

// get returns the statement for q, or nil to run q unprepared: when c is
// nil or full, or when inTx and q is new. A transaction holds the writer's
// only connection, so preparing on the pool then would wait forever; the
// query is noted and prepared by preparePending after the transaction.
func (c *stmtCache) get(ctx context.Context, q string, inTx bool) *sql.Stmt {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	st, ok := c.m[q]
	full := len(c.m)+len(c.pending) >= maxStmts
	if !ok && inTx && !full {
		c.pending[q] = true
	}
	c.mu.Unlock()
	if ok || inTx || full {
		return st
	}
	c.prepare(ctx, q)
	return nil
}

// preparePending prepares the queries noted during transactions. The lock
// is not held while preparing, which may wait for a connection.
func (c *stmtCache) preparePending(ctx context.Context) {
	if c == nil {
		return
	}
	c.mu.Lock()
	qs := make([]string, 0, len(c.pending))
	for q := range c.pending {
		qs = append(qs, q)
	}
	clear(c.pending)
	c.mu.Unlock()
	for _, q := range qs {
		c.prepare(ctx, q)
	}
}

func (c *stmtCache) prepare(ctx context.Context, q string) {
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return // the unprepared path reports errors with context
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, dup := c.m[q]; dup {
		st.Close()
		return
	}
	c.m[q] = st
}

// queryAll runs a query and returns every row, each scanned into a fresh T
// by scan.
func queryAll[T any](ctx context.Context, t *tx, scan func(*sql.Rows, *T) error, q string, args ...any) ([]T, error) {
	rows, err := t.query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var v T
		if err := scan(rows.Rows, &v); err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
