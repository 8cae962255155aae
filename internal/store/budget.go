package store

import (
	"context"
	"sync/atomic"
	"time"
)

// A Budget bounds the total time the database calls made under one
// context may wait, however many there are. Each call is already bounded
// by the store's timeout; without a budget, a request that makes several
// calls against a frozen database waits that timeout once per call (a
// failed grant that then looks up its tenant to audit the failure waited
// twice). The server gives every HTTP request a budget of its database
// timeout; background jobs have none and keep the per-call bound.
//
// Only time spent in database calls counts: a long poll or an upstream
// call in between spends nothing.
type Budget struct {
	left atomic.Int64 // nanoseconds
}

type budgetKey struct{}

// WithBudget returns ctx carrying a fresh budget of d.
func WithBudget(ctx context.Context, d time.Duration) context.Context {
	b := &Budget{}
	b.left.Store(int64(d))
	return context.WithValue(ctx, budgetKey{}, b)
}

// BudgetOf returns the budget ctx carries, or nil.
func BudgetOf(ctx context.Context) *Budget {
	b, _ := ctx.Value(budgetKey{}).(*Budget)
	return b
}

// Left is what remains; zero or less when it is spent.
func (b *Budget) Left() time.Duration { return time.Duration(b.left.Load()) }

// Spend takes d from the budget.
func (b *Budget) Spend(d time.Duration) { b.left.Add(-int64(d)) }
