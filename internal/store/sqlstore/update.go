package sqlstore

import (
	"context"
	"time"
)

// update is the compare-and-swap behind every UpdateX: in one transaction
// it reads the record with read (which locks the row, see forUpdate), lets
// fn change it and writes it back with put, stamped with now. Two
// concurrent updates of one record therefore run one after the other, and
// the second sees what the first wrote. c goes to the change feed in the
// same transaction. write retries the whole
// transaction on PostgreSQL's serialization failures, running fn again on
// a fresh read.
func update[T any](ctx context.Context, s *Store, c change, read func(*tx) (*T, error), fn func(*T) error,
	put func(tx *tx, x *T, now time.Time) error) (*T, error) {
	var out *T
	err := s.write(ctx, func(tx *tx) error {
		x, err := read(tx)
		if err != nil {
			return err
		}
		if err := fn(x); err != nil {
			return err
		}
		if err := put(tx, x, normTime(time.Now())); err != nil {
			return err
		}
		if err := c.append(ctx, tx); err != nil {
			return err
		}
		out = x
		return nil
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

// forUpdate is the clause that locks the rows a SELECT reads until the
// transaction ends. SQLite has none and needs none: its one writer
// connection runs the transactions one at a time.
func (d *dialect) forUpdate() string {
	if d.postgres {
		return ` FOR UPDATE`
	}
	return ``
}
