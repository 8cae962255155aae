// Package feed follows the change feed, the ordered list of admin writes
// that the store appends in each writing transaction (domain.Change), and
// hands every change to the caches that hold the changed entity. Nodes
// follow the store; remote gateways follow the key manager's copy of the
// feed over HTTP. Both read from the last sequence number they applied,
// so a follower that was away catches up on exactly what it missed.
package feed

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/every"
)

// Source is where a Follower reads the feed.
type Source interface {
	// ChangesSince returns the changes after seq in order, at most limit.
	ChangesSince(ctx context.Context, after int64, limit int) ([]domain.Change, error)
	// FeedPosition returns the newest seq: where a follower whose caches
	// are empty starts.
	FeedPosition(ctx context.Context) (int64, error)
}

// Handler drops what its cache holds of a change; c.Everything() means
// all of it. It must be idempotent: after an error the Follower hands it
// the same change again, and the handlers before it see it twice.
type Handler func(ctx context.Context, c domain.Change) error

// batch is how many changes one read asks for.
const batch = 1000

// Follower applies the feed to its handlers, in order, once each.
type Follower struct {
	src      Source
	handlers []Handler
	log      *slog.Logger
	now      func() time.Time

	mu      sync.Mutex // one catch-up at a time; guards the fields below
	started bool
	seq     int64     // the last change applied
	lastOK  time.Time // the last read that succeeded
}

// New returns a Follower of src applying changes to handlers, which it
// calls in the order given.
func New(src Source, log *slog.Logger, handlers ...Handler) *Follower {
	return &Follower{src: src, handlers: handlers, log: log, now: time.Now}
}

// CatchUp applies every change after the last one applied and returns
// once they are in effect. The first call learns the feed's position and
// then applies domain.ChangeAll, so whatever was loaded before, however
// long before, is loaded again after that position: no change made while
// the follower was starting is lost. After a gap longer than the feed's
// retention it starts again the same way, since what it missed may be
// gone from the feed.
func (f *Follower) CatchUp(ctx context.Context) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.started || f.now().Sub(f.lastOK) > domain.ChangeRetention-time.Minute {
		return f.restart(ctx)
	}
	for {
		changes, err := f.src.ChangesSince(ctx, f.seq, batch)
		if err != nil {
			return fmt.Errorf("feed: reading changes: %w", err)
		}
		f.lastOK = f.now()
		for _, c := range changes {
			if err := f.apply(ctx, c); err != nil {
				return err
			}
			f.seq = c.Seq
		}
		if len(changes) < batch {
			return nil
		}
	}
}

// restart positions the follower at the feed's end and drops everything
// cached before.
func (f *Follower) restart(ctx context.Context) error {
	pos, err := f.src.FeedPosition(ctx)
	if err != nil {
		return fmt.Errorf("feed: reading the position: %w", err)
	}
	if err := f.apply(ctx, domain.ChangeAll); err != nil {
		return err
	}
	f.started, f.seq, f.lastOK = true, pos, f.now()
	return nil
}

func (f *Follower) apply(ctx context.Context, c domain.Change) error {
	f.log.DebugContext(ctx, "change feed: applying", "seq", c.Seq, "tenant", c.Tenant, "entity", c.Entity, "id", c.ID)
	for _, h := range f.handlers {
		if err := h(ctx, c); err != nil {
			return fmt.Errorf("feed: applying change %d (%s %q of %q): %w", c.Seq, c.Entity, c.ID, c.Tenant, err)
		}
	}
	return nil
}

// Run catches up at once, then whenever wake fires (nil: never) and at
// least every interval, until ctx ends (every.Follow). A Source that waits
// for news itself (a long poll) runs with interval 0.
func (f *Follower) Run(ctx context.Context, interval time.Duration, wake func() <-chan struct{}) {
	every.Follow(ctx, interval, wake, f.CatchUp, func(err error) {
		f.log.WarnContext(ctx, "change feed: catching up failed; retrying", "err", err)
	})
}
