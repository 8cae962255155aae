package sqlstore

import (
	"context"
	"database/sql"
	"database/sql/driver"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// Every database call has a deadline, so an unreachable or frozen database
// answers domain.ErrUnavailable instead of holding requests (and pool
// connections) until the client gives up. The deadline is set where
// transactions and statements start (write, writeStatement, reader's
// statements, Ping); callers never set one themselves. Under a
// store.Budget (every HTTP request has one) the calls of one request
// share one deadline too: see budgeted.
const (
	// DefaultTimeout is the deadline of a database call unless Open is
	// given WithTimeout.
	DefaultTimeout = 5 * time.Second
	// bulkTimeout is the deadline of one batch of bulk work (an import
	// batch, a purge batch) when it exceeds the store's own: such a batch
	// may legitimately take longer than a request, yet a frozen database
	// must still free its connection.
	bulkTimeout = 2 * time.Minute
	// minConnectTimeout is the least bound on connecting (TCP, TLS,
	// authentication), which may take longer than a deadline chosen for
	// quick answers.
	minConnectTimeout = 2 * time.Second
)

// Option tunes Open.
type Option func(*Store)

// WithTimeout sets the deadline of each database call (zero keeps
// DefaultTimeout). On PostgreSQL it also bounds connection establishment,
// unless the DSN sets connect_timeout.
func WithTimeout(d time.Duration) Option {
	return func(s *Store) {
		if d > 0 {
			s.timeout = d
		}
	}
}

// bulk is the deadline of one batch of bulk work.
func (s *Store) bulk() time.Duration { return max(s.timeout, bulkTimeout) }

func noop() {}

// bound gives ctx the deadline d (0: none), unless ctx ends sooner anyway.
func bound(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	if d <= 0 {
		return ctx, noop
	}
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= d {
		return ctx, noop
	}
	return context.WithTimeout(ctx, d)
}

// budgeted is bound for one call of the store's own timeout d: under a
// store.Budget, d is cut to what is left of it and the call's time, until
// the returned cancel, is spent from it; a spent budget gives a context
// that has already expired, so the call fails at once as unavailable.
// Bulk work (a longer d) is not budgeted: it is meant to outlast a
// request's usual wait.
func budgeted(ctx context.Context, d time.Duration) (context.Context, context.CancelFunc) {
	b := store.BudgetOf(ctx)
	if b == nil {
		return bound(ctx, d)
	}
	left := b.Left()
	if left <= 0 {
		return context.WithDeadline(ctx, time.Now())
	}
	ctx, cancel := bound(ctx, min(d, left))
	start := time.Now()
	return ctx, func() {
		cancel()
		b.Spend(time.Since(start))
	}
}

// unavailable wraps err with domain.ErrUnavailable when it says the
// database could not be reached or did not answer in time: a deadline, a
// failed connection, a connection lost, the server shutting down or
// refusing connections, SQLite's busy timeout. Other errors pass as they
// are; the cause stays in the chain for logs.
func unavailable(err error) error {
	if err == nil || errors.Is(err, domain.ErrUnavailable) || !isUnavailable(err) {
		return err
	}
	return fmt.Errorf("%w: %w", domain.ErrUnavailable, err)
}

func isUnavailable(err error) bool {
	var (
		ce *pgconn.ConnectError
		pe *pgconn.PgError
		ne net.Error
		se *sqlite.Error
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded), pgconn.Timeout(err), errors.As(err, &ce), errors.As(err, &ne),
		errors.Is(err, driver.ErrBadConn), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, sql.ErrConnDone):
		return true
	case errors.As(err, &pe):
		// Class 08: connection exception; 57P01-03: the server is shutting
		// down or starting; 53300: too many connections.
		c := pe.Code
		return strings.HasPrefix(c, "08") || c == "57P01" || c == "57P02" || c == "57P03" || c == "53300"
	case errors.As(err, &se):
		return se.Code()&0xff == sqlite3.SQLITE_BUSY
	}
	return false
}

// row is a *sql.Row whose statement deadline ends once it is scanned.
type row struct {
	r      *sql.Row
	cancel context.CancelFunc
}

// Scan is sql.Row's Scan; a call always scans, so it releases the deadline.
func (r *row) Scan(dest ...any) error {
	defer r.cancel()
	return unavailable(r.r.Scan(dest...))
}

// rows is a *sql.Rows whose statement deadline ends when it is closed.
type rows struct {
	*sql.Rows
	cancel context.CancelFunc
}

func (r *rows) Close() error {
	err := r.Rows.Close()
	r.cancel()
	return unavailable(err)
}

func (r *rows) Err() error { return unavailable(r.Rows.Err()) }
