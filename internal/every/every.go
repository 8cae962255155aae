// Package every runs a function at a fixed interval until its context
// ends: the one periodic loop the server's background jobs share.
package every

import (
	"context"
	"time"
)

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
