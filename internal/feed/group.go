package feed

import (
	"context"
	"errors"
)

// Group catches up several followers at once (the change feed and the
// revocations) and wakes whoever waits for news of either: a node's side
// of admin.Feed.
type Group struct {
	catchUps []func(context.Context) error
	woken    Signal
}

// NewGroup returns a Group of the followers' catch-up functions.
func NewGroup(catchUps ...func(context.Context) error) *Group {
	return &Group{catchUps: catchUps}
}

// CatchUp runs every follower's catch-up, then wakes the waiters: on a
// single-node store nothing else tells them of this node's own writes.
func (g *Group) CatchUp(ctx context.Context) error {
	defer g.woken.Notify()
	var errs []error
	for _, c := range g.catchUps {
		errs = append(errs, c(ctx))
	}
	return errors.Join(errs...)
}

// Woken returns a channel closed at the next CatchUp or Notify.
func (g *Group) Woken() <-chan struct{} { return g.woken.C() }

// Notify wakes the waiters: the database says a follower may have news.
func (g *Group) Notify() { g.woken.Notify() }
