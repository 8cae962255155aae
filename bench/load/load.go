// Package load is a small closed-loop HTTP load generator: a fixed number
// of workers, each with its own keep-alive connection, send requests back
// to back for a warm-up and then for a measured duration. It records
// latencies in per-worker histograms and counts transport errors and
// statuses, so workers share nothing on the hot path.
package load

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// Step sends one request with c and returns its HTTP status. A non-nil
// error counts as an error whatever the status (a scenario may reject a
// response it finds wrong, e.g. a 503 without Retry-After).
type Step func(ctx context.Context, c *http.Client) (status int, err error)

// Config describes one run.
type Config struct {
	Concurrency int
	Warmup      time.Duration // requests that start before this are not measured
	Duration    time.Duration // measured window after the warm-up
	// NewWorker returns worker i's step. It is called before the clock
	// starts, so per-worker inputs (a refresh token to chain from, a slice
	// of pre-minted tokens) are prepared outside the measurement.
	NewWorker func(i int) Step
	// Timeout bounds each request; 0 means 30 s.
	Timeout time.Duration
}

// Result is the outcome of a run, over the measured window only.
type Result struct {
	Requests uint64         // measured requests, whatever their outcome
	Errors   uint64         // transport errors and steps that returned an error
	Non2xx   uint64         // responses with a status outside 200–299 (and no error)
	Status   map[int]uint64 // responses by status, not counting those in Errors
	Elapsed  time.Duration  // the measured window's length
	Latency  Histogram      // of every measured request
	// FirstError is one error message, for the report.
	FirstError string
}

// RPS is measured requests per second, successful or not.
func (r *Result) RPS() float64 {
	if r.Elapsed <= 0 {
		return 0
	}
	return float64(r.Requests) / r.Elapsed.Seconds()
}

// Failed is Errors plus Non2xx: every request that did not succeed.
func (r *Result) Failed() uint64 { return r.Errors + r.Non2xx }

type worker struct {
	hist     Histogram
	requests uint64
	errors   uint64
	non2xx   uint64
	status   [600]uint64
	firstErr error
}

// Run executes cfg and returns the merged result. It returns early, with
// what it measured so far, if ctx ends.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	if cfg.Concurrency <= 0 || cfg.Duration <= 0 || cfg.NewWorker == nil {
		return nil, errors.New("load: need Concurrency > 0, Duration > 0 and NewWorker")
	}
	timeout := cfg.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	steps := make([]Step, cfg.Concurrency)
	clients := make([]*http.Client, cfg.Concurrency)
	for i := range steps {
		steps[i] = cfg.NewWorker(i)
		clients[i] = NewClient(timeout)
	}
	workers := make([]worker, cfg.Concurrency)
	start := time.Now()
	measureFrom := start.Add(cfg.Warmup)
	measureTo := measureFrom.Add(cfg.Duration)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() { workers[i].loop(ctx, steps[i], clients[i], measureFrom, measureTo) })
	}
	wg.Wait()
	for _, c := range clients {
		c.CloseIdleConnections()
	}
	end := time.Now()
	if end.After(measureTo) {
		end = measureTo
	}
	res := &Result{Status: map[int]uint64{}, Elapsed: max(end.Sub(measureFrom), 0)}
	for i := range workers {
		w := &workers[i]
		res.Latency.Merge(&w.hist)
		res.Requests += w.requests
		res.Errors += w.errors
		res.Non2xx += w.non2xx
		for s, n := range w.status {
			if n > 0 {
				res.Status[s] += n
			}
		}
		if res.FirstError == "" && w.firstErr != nil {
			res.FirstError = w.firstErr.Error()
		}
	}
	return res, ctx.Err()
}

// loop sends requests back to back until measureTo. A request counts if it
// started inside the window; one still running at measureTo finishes and
// counts too, so slow requests are not dropped from the latencies.
func (w *worker) loop(ctx context.Context, step Step, c *http.Client, from, to time.Time) {
	for ctx.Err() == nil {
		t0 := time.Now()
		if !t0.Before(to) {
			return
		}
		status, err := step(ctx, c)
		if t0.Before(from) {
			continue
		}
		w.hist.Record(time.Since(t0))
		w.requests++
		switch {
		case err != nil:
			w.errors++
			if w.firstErr == nil {
				w.firstErr = err
			}
		case status < 200 || status > 299:
			w.non2xx++
		}
		if err == nil && status > 0 && status < len(w.status) {
			w.status[status]++
		}
	}
}

// NewClient returns a client with its own transport holding one keep-alive
// HTTP/1.1 connection: one per worker, so workers never contend on a shared
// connection pool's lock.
func NewClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		Transport: &http.Transport{
			DialContext:         (&net.Dialer{Timeout: 5 * time.Second}).DialContext,
			MaxIdleConns:        1,
			MaxIdleConnsPerHost: 1,
			IdleConnTimeout:     time.Minute,
			DisableCompression:  true,
			ForceAttemptHTTP2:   false,
		},
		// A redirect would be a bug in a scenario; report it as a 3xx.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// Post sends a POST with a prebuilt body and header set, reads the whole
// response (so the connection is reused) and returns the status, the
// response and, if keep is true, its body.
func Post(ctx context.Context, c *http.Client, url string, header http.Header, body []byte, keep bool) (int, *http.Response, []byte, error) {
	return Send(ctx, c, http.MethodPost, url, header, body, keep)
}

// Send is Post with any method; a nil body sends none.
func Send(ctx context.Context, c *http.Client, method, url string, header http.Header, body []byte, keep bool) (int, *http.Response, []byte, error) {
	var rd io.Reader
	if body != nil {
		rd = bytes.NewReader(body)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, rd)
	if err != nil {
		return 0, nil, nil, err
	}
	// Sharing the prebuilt header map is safe: the transport only reads it.
	req.Header = header
	resp, err := c.Do(req)
	if err != nil {
		return 0, nil, nil, err
	}
	defer resp.Body.Close()
	var b []byte
	if keep {
		b, err = io.ReadAll(resp.Body)
	} else {
		_, err = io.Copy(io.Discard, resp.Body)
	}
	if err != nil {
		return resp.StatusCode, resp, nil, fmt.Errorf("read body: %w", err)
	}
	return resp.StatusCode, resp, b, nil
}

// FormHeader returns a header for a form POST, with Basic client
// authentication when user is not empty.
func FormHeader(user, pass string) http.Header {
	h := http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}
	if user != "" {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.SetBasicAuth(user, pass)
		h.Set("Authorization", r.Header.Get("Authorization"))
	}
	return h
}

// Merge adds o to r as if both windows were one run: counts and measured
// time add up, so RPS becomes the mean rate over both.
func (r *Result) Merge(o *Result) {
	r.Requests += o.Requests
	r.Errors += o.Errors
	r.Non2xx += o.Non2xx
	r.Elapsed += o.Elapsed
	r.Latency.Merge(&o.Latency)
	if r.Status == nil {
		r.Status = map[int]uint64{}
	}
	for s, n := range o.Status {
		r.Status[s] += n
	}
	if r.FirstError == "" {
		r.FirstError = o.FirstError
	}
}
