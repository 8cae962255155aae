// Package every runs a function at a fixed interval until its context
// ends: the one periodic loop the server's background jobs share.
package every

import (
	"context"
	"time"
)

// retryPause is the least time between a failed call of Follow's f and
// the next, so a source that fails at once (a refused connection) is not
// hammered, woken or not.
const retryPause = time.Second

// Follow calls f at once, then whenever wake fires (nil: never) and at
// least every interval, until ctx ends: the loop of a follower that a
// notification wakes early. A Source that waits for news itself (a long
// poll) runs with interval 0. A failure goes to failed (unless ctx ended)
// and the next call waits for retryPause at least.
func Follow(ctx context.Context, interval time.Duration, wake func() <-chan struct{}, f func(context.Context) error, failed func(error)) {
	t := time.NewTimer(interval)
	defer t.Stop()
	for {
		var woken <-chan struct{}
		if wake != nil {
			woken = wake() // taken before f reads, so no news is lost in between
		}
		pause := interval
		if err := f(ctx); err != nil && ctx.Err() == nil {
			failed(err)
			pause, woken = max(interval, retryPause), nil
		}
		t.Reset(pause)
		select {
		case <-ctx.Done():
			return
		case <-woken:
		case <-t.C:
		}
	}
}

// Run calls f every interval until ctx ends, and returns then. The first
// call is one interval after the start; a job that must also run at once
// calls f itself first. A call that outlasts the interval delays the next
// one (ticks are dropped, never queued), so calls never overlap.
func Run(ctx context.Context, interval time.Duration, f func(context.Context)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			f(ctx)
		}
	}
}
