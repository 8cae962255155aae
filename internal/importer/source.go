// Package importer brings users in bulk into a tenant: from CSV files and
// from SQL queries on other databases, both read as a stream of rows
// through one Source interface and written by the same apply logic. Rows
// are validated one by one (a bad row is reported with its line number
// and never stops the good ones) and written in batched transactions; a
// second import of the same data changes nothing.
package importer

import (
	"fmt"
	"strings"
)

// Column names, shared by CSV headers and SQL result columns.
const (
	ColUsername     = "username"
	ColEmail        = "email"
	ColDisplayName  = "display_name"
	ColPassword     = "password"
	ColPasswordHash = "password_hash"
	ColRoles        = "roles"
)

// columnNames in the order the documentation lists them.
var columnNames = []string{ColUsername, ColEmail, ColDisplayName, ColPassword, ColPasswordHash, ColRoles}

// Row is one user record of a source. Only the columns the source has are
// applied: a file without an email column leaves stored emails alone.
type Row struct {
	// Line is the CSV line (1 is the header) or the SQL result row (1 is
	// the first row) the record came from, for the report.
	Line int
	// Fields by column name; absent columns are missing from the map.
	Fields map[string]string
}

// Get returns a column's value, "" when the source lacks the column.
func (r *Row) Get(col string) string { return r.Fields[col] }

// Has reports whether the source has the column.
func (r *Row) Has(col string) bool { _, ok := r.Fields[col]; return ok }

// Source streams rows. Next returns io.EOF after the last row, a
// *RowError for a record that cannot be read but does not stop the stream
// (bad quoting), and any other error when the source failed for good.
type Source interface {
	Next() (*Row, error)
	Close() error
}

// RowError is a bad row: where it is, whose it is (when known) and why.
type RowError struct {
	Line     int    `json:"line"`
	Username string `json:"username,omitempty"`
	Reason   string `json:"reason"`
}

func (e *RowError) Error() string {
	if e.Username != "" {
		return fmt.Sprintf("line %d (%s): %s", e.Line, e.Username, e.Reason)
	}
	return fmt.Sprintf("line %d: %s", e.Line, e.Reason)
}

// mapColumns checks a header (CSV first line or SQL column names) and
// returns each position's column name. Names are matched without regard
// to case and surrounding spaces; username is required, unknown and
// repeated names are refused so a typo ("pasword") cannot silently drop
// a column.
func mapColumns(header []string) ([]string, error) {
	cols := make([]string, len(header))
	seen := map[string]bool{}
	hasUsername := false
	for _, h := range header {
		hasUsername = hasUsername || strings.EqualFold(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")), ColUsername)
	}
	if !hasUsername {
		return nil, fmt.Errorf("no %q column (columns: %s)", ColUsername, strings.Join(columnNames, ", "))
	}
	for i, h := range header {
		name := strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff"))) // Excel writes a BOM
		known := false
		for _, c := range columnNames {
			known = known || c == name
		}
		switch {
		case !known:
			return nil, fmt.Errorf("unknown column %q (columns: %s)", h, strings.Join(columnNames, ", "))
		case seen[name]:
			return nil, fmt.Errorf("column %q appears twice", name)
		}
		seen[name] = true
		cols[i] = name
	}
	return cols, nil
}
