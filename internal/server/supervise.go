package server

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"

	"golang.org/x/sync/errgroup"
)

// listener is one HTTP server and the socket it serves: HTTPS when cert
// is set.
type listener struct {
	srv       *http.Server
	ln        net.Listener
	cert, key string
}

func (l listener) serve() error {
	if l.cert != "" {
		return l.srv.ServeTLS(l.ln, l.cert, l.key)
	}
	return l.srv.Serve(l.ln)
}

// job is a background loop that runs until its context ends.
type job struct {
	name string
	run  func(context.Context)
}

// supervise serves the listeners and runs the jobs under one errgroup
// until ctx ends or a listener fails or a job returns early. Then it runs
// drain (when not nil) while the listeners still serve, stops them in the
// order given, letting in-flight requests finish, all within grace, and
// only then the jobs: requests still being served need
// the revocation set and route table kept fresh. It returns once every
// goroutine it started has returned, so the caller may close what the
// jobs use (the store) right after.
func supervise(ctx context.Context, grace time.Duration, drain func(context.Context), listeners []listener, jobs []job) error {
	g, gctx := errgroup.WithContext(ctx)
	jctx, stopJobs := context.WithCancel(context.WithoutCancel(ctx))
	defer stopJobs()
	for _, j := range jobs {
		g.Go(func() error {
			j.run(jctx)
			if jctx.Err() == nil {
				return fmt.Errorf("%s stopped", j.name)
			}
			return nil
		})
	}
	for _, l := range listeners {
		g.Go(func() error {
			// Once shutdown began, the drain may have closed the listener.
			if err := l.serve(); !errors.Is(err, http.ErrServerClosed) && (gctx.Err() == nil || !errors.Is(err, net.ErrClosed)) {
				return err
			}
			return nil
		})
	}
	g.Go(func() error {
		<-gctx.Done()
		defer stopJobs()
		sctx, cancel := context.WithTimeout(context.Background(), grace)
		defer cancel()
		if drain != nil {
			drain(sctx)
		}
		var errs []error
		for _, l := range listeners {
			errs = append(errs, l.srv.Shutdown(sctx))
		}
		if err := errors.Join(errs...); err != nil {
			return fmt.Errorf("shutdown: %w", err)
		}
		return nil
	})
	return g.Wait()
}
