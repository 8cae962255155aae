package importer

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"
)

// connectTimeout bounds how long an unreachable source database may keep
// an import waiting before it fails with a clear message.
const connectTimeout = 10 * time.Second

// SQLSource streams the result of a query on a PostgreSQL or SQLite
// database. Result columns map to the CSV columns by name, so a query
// renames with AS: SELECT login AS username, mail AS email FROM accounts.
type SQLSource struct {
	db   *sql.DB
	rows *sql.Rows
	cols []string
	vals []any
	n    int
}

// OpenSQL connects to dsn (postgres://… or postgresql://… for PostgreSQL;
// a path, optionally prefixed with sqlite: or file:, for SQLite) and runs
// query. Errors never repeat the DSN, which may hold a password.
func OpenSQL(ctx context.Context, dsn, query string) (*SQLSource, error) {
	driver, name := "sqlite", strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite:"), "file:")
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		driver, name = "pgx", dsn
	} else {
		// Read only: an import must never change its source, and a
		// mistyped path must not create an empty database.
		name = "file:" + name + "?mode=ro"
	}
	if strings.TrimSpace(query) == "" {
		return nil, errors.New("source database: empty query")
	}
	db, err := sql.Open(driver, name)
	if err != nil {
		return nil, fmt.Errorf("source database: %w", err)
	}
	cctx, cancel := context.WithTimeout(ctx, connectTimeout)
	defer cancel()
	if err := db.PingContext(cctx); err != nil {
		db.Close()
		return nil, fmt.Errorf("cannot reach the source database: %w", err)
	}
	rows, err := db.QueryContext(ctx, query)
	if err != nil {
		db.Close()
		return nil, fmt.Errorf("source query failed: %w", err)
	}
	names, err := rows.Columns()
	if err == nil {
		var cols []string
		if cols, err = mapColumns(names); err == nil {
			return &SQLSource{db: db, rows: rows, cols: cols, vals: make([]any, len(cols))}, nil
		}
	}
	rows.Close()
	db.Close()
	return nil, fmt.Errorf("source query columns: %w (rename with AS)", err)
}

// Next returns the next row; see Source.
func (s *SQLSource) Next() (*Row, error) {
	if !s.rows.Next() {
		if err := s.rows.Err(); err != nil {
			return nil, fmt.Errorf("source query failed after %d rows: %w", s.n, err)
		}
		return nil, io.EOF
	}
	s.n++
	ptrs := make([]any, len(s.vals))
	for i := range s.vals {
		ptrs[i] = &s.vals[i]
	}
	if err := s.rows.Scan(ptrs...); err != nil {
		return nil, &RowError{Line: s.n, Reason: "unreadable row: " + err.Error()}
	}
	row := &Row{Line: s.n, Fields: make(map[string]string, len(s.cols))}
	for i, c := range s.cols {
		v, err := text(s.vals[i])
		if err != nil {
			return nil, &RowError{Line: s.n, Reason: fmt.Sprintf("column %s: %v", c, err)}
		}
		row.Fields[c] = v
	}
	return row, nil
}

// text converts a scanned value to the string a CSV cell would hold; NULL
// is the empty cell.
func text(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case []byte:
		return string(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case bool:
		return strconv.FormatBool(x), nil
	default:
		return "", fmt.Errorf("unsupported type %T; cast it to text in the query", v)
	}
}

// Close releases the query and the connection.
func (s *SQLSource) Close() error {
	s.rows.Close()
	return s.db.Close()
}

// Columns returns the CSV column each result column maps to, in order.
func (s *SQLSource) Columns() []string { return s.cols }
