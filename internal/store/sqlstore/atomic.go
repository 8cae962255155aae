package sqlstore

import (
	"context"
	"errors"
)

// atomicKey carries the transaction of Atomic in a context.
type atomicKey struct{}

// Atomic runs fn so that every statement the store runs under fn's
// context, reads too, joins one transaction, committed when fn returns
// nil and rolled back otherwise (store.Store). A write lock is held
// throughout (SQLite has one writer; on PostgreSQL the rows written stay
// locked), so fn must be short: a configuration file's worth of writes,
// made under fn's context only (a write under another context would wait
// for this one). Atomic within Atomic joins the outer one.
func (s *Store) Atomic(ctx context.Context, fn func(ctx context.Context) error) error {
	if _, ok := ctx.Value(atomicKey{}).(*tx); ok {
		return fn(ctx)
	}
	ctx, cancel := bound(ctx, s.bulk())
	defer cancel()
	t, err := s.w.BeginTx(ctx, nil)
	if err != nil {
		return unavailable(mapErr(err))
	}
	err = fn(context.WithValue(ctx, atomicKey{}, &tx{q: t, sqlTx: t, d: s.d, txCtx: ctx}))
	if err != nil {
		_ = t.Rollback()
		return err
	}
	return unavailable(mapErr(t.Commit()))
}

// joined runs fn in the transaction of an Atomic that ctx carries, and
// reports false when it carries none. A commitErr's error is returned as
// it is: the outer transaction decides.
func joined(ctx context.Context, fn func(*tx) error) (bool, error) {
	t, ok := ctx.Value(atomicKey{}).(*tx)
	if !ok {
		return false, nil
	}
	err := fn(t)
	var ce commitErr
	if errors.As(err, &ce) {
		err = ce.err
	}
	return true, mapErr(err)
}
