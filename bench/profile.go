package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// profiler captures a CPU profile of the server over each scenario's
// measured window through its --debug-addr listener (BENCH_PROFILE=DIR).
// A nil profiler does nothing, so the default run needs no debug listener.
type profiler struct {
	dir, addr, db string
}

// during starts a profile covering [warmup, warmup+dur) from now and
// returns a function that waits for it to be written.
func (p *profiler) during(ctx context.Context, scenario string, warmup, dur time.Duration) func() {
	if p == nil {
		return func() {}
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		select {
		case <-time.After(warmup):
		case <-ctx.Done():
			return
		}
		secs := max(int(dur.Seconds()), 1)
		url := fmt.Sprintf("http://%s/debug/pprof/profile?seconds=%d", p.addr, secs)
		c := &http.Client{Timeout: dur + 30*time.Second}
		resp, err := c.Get(url)
		if err != nil {
			logf("  profile %s: %v", scenario, err)
			return
		}
		defer resp.Body.Close()
		path := filepath.Join(p.dir, p.db+"-"+scenario+".pprof")
		f, err := os.Create(path)
		if err == nil {
			_, err = io.Copy(f, resp.Body)
			err = errors.Join(err, f.Close())
		}
		if err != nil || resp.StatusCode != http.StatusOK {
			logf("  profile %s: status %d, %v", scenario, resp.StatusCode, err)
		}
	}()
	return func() { <-done }
}

// large returns a profiler whose files are marked as the large data set's.
func (p *profiler) large() *profiler {
	if p == nil {
		return nil
	}
	return &profiler{dir: p.dir, addr: p.addr, db: p.db + "-large"}
}
