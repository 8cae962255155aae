package sqlstore

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Times are stored as TIMESTAMPTZ on PostgreSQL and as integer unix
// nanoseconds on SQLite, so both compare correctly in SQL. They are cut to
// microseconds, PostgreSQL's precision, so both dialects round-trip the same.

// ts converts t to the dialect's column value.
func (d *dialect) ts(t time.Time) any {
	t = t.UTC().Truncate(time.Microsecond)
	if d.postgres {
		return t
	}
	return t.UnixNano()
}

// tsPtr is ts for nullable columns.
func (d *dialect) tsPtr(t *time.Time) any {
	if t == nil {
		return nil
	}
	return d.ts(*t)
}

// normTime is what a time reads back as after a round trip.
func normTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// timeCol scans either dialect's time representation into *t (UTC).
type timeCol struct{ t *time.Time }

func (c timeCol) Scan(src any) error {
	switch v := src.(type) {
	case int64:
		*c.t = time.Unix(0, v).UTC()
	case time.Time:
		*c.t = v.UTC()
	default:
		return fmt.Errorf("sqlstore: cannot scan %T into a time", src)
	}
	return nil
}

// nullTimeCol scans a nullable time into **t.
type nullTimeCol struct{ t **time.Time }

func (c nullTimeCol) Scan(src any) error {
	if src == nil {
		*c.t = nil
		return nil
	}
	var t time.Time
	if err := (timeCol{&t}).Scan(src); err != nil {
		return err
	}
	*c.t = &t
	return nil
}

// Lists of names are stored as JSON arrays in a TEXT column.
func encList(l []string) string {
	if len(l) == 0 {
		return "[]"
	}
	b, _ := json.Marshal(l) // []string always marshals
	return string(b)
}

// listCol scans a JSON array into *l; an empty array gives an empty,
// non-nil slice so API layers render [] rather than null.
type listCol struct{ l *[]string }

func (c listCol) Scan(src any) error {
	b, err := textBytes(src, "a list")
	if err != nil {
		return err
	}
	l := []string{}
	if err := json.Unmarshal(b, &l); err != nil {
		return fmt.Errorf("sqlstore: bad list column: %w", err)
	}
	*c.l = l
	return nil
}

// scanAlso scans the columns a scan function knows, then extra ones that
// follow them in the same row.
type scanAlso struct {
	row   interface{ Scan(...any) error }
	extra []any
}

func (s scanAlso) Scan(dest ...any) error { return s.row.Scan(append(dest, s.extra...)...) }

// encExchange is an application's token exchange policy as stored: its
// JSON, or "" for none.
func encExchange(p *domain.TokenExchangePolicy) string {
	if p == nil {
		return ""
	}
	b, _ := json.Marshal(p) // strings and a bool always marshal
	return string(b)
}

// exchangeCol scans a stored token exchange policy; "" gives nil.
type exchangeCol struct{ p **domain.TokenExchangePolicy }

func (c exchangeCol) Scan(src any) error {
	b, err := textBytes(src, "a token exchange policy")
	if err != nil {
		return err
	}
	*c.p = nil
	if len(b) == 0 {
		return nil
	}
	p := &domain.TokenExchangePolicy{}
	if err := json.Unmarshal(b, p); err != nil {
		return fmt.Errorf("sqlstore: bad token exchange policy: %w", err)
	}
	*c.p = p
	return nil
}

// textBytes is a text column's value as the driver gave it: a string
// (SQLite, pgx's text) or bytes.
func textBytes(src any, into string) ([]byte, error) {
	switch v := src.(type) {
	case string:
		return []byte(v), nil
	case []byte:
		return v, nil
	}
	return nil, fmt.Errorf("sqlstore: cannot scan %T into %s", src, into)
}
