package cluster

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/tollgate-dev/tollgate/bench/load"
)

// DatabaseTimeout is the nodes' --database-timeout (tollgate's default):
// past it a request must have its 503, not hang.
const DatabaseTimeout = 5 * time.Second

// Sample is one request of a recorded load.
type Sample struct {
	Kind       string
	Host       string // host:port the request went to
	Start      time.Time
	Took       time.Duration
	Status     int // 0 on a transport error
	RetryAfter bool
	Unavail    bool // the body says temporarily_unavailable
	Err        bool // transport error or a step that rejected the answer
}

// OK is a 2xx answer the step accepted.
func (s Sample) OK() bool { return !s.Err && s.Status >= 200 && s.Status < 300 }

// Recorder keeps every request of a RecordLoad.
type Recorder struct {
	mu      sync.Mutex
	samples []Sample
	// Rejected counts 2xx answers a step found wrong (an inactive
	// introspection, a refresh answer without a refresh token); they are
	// counted as ok in the samples.
	Rejected int
}

// Samples returns a copy of what was recorded so far.
func (r *Recorder) Samples() []Sample {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Sample(nil), r.samples...)
}

type recordingTransport struct {
	kind string
	rec  *Recorder
	base http.RoundTripper
}

func (t *recordingTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	s := Sample{Kind: t.kind, Host: req.URL.Host, Start: time.Now()}
	resp, err := t.base.RoundTrip(req)
	if err == nil {
		var b []byte
		b, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		resp.Body = io.NopCloser(bytes.NewReader(b))
		s.Status = resp.StatusCode
		s.RetryAfter = resp.Header.Get("Retry-After") != ""
		s.Unavail = strings.Contains(string(b), "temporarily_unavailable")
	}
	if err != nil && req.Context().Err() != nil {
		return resp, err // the load was stopped: no answer to count
	}
	s.Took = time.Since(s.Start)
	s.Err = err != nil
	t.rec.mu.Lock()
	t.rec.samples = append(t.rec.samples, s)
	t.rec.mu.Unlock()
	return resp, err
}

// RecordLoad runs the mixed load (the same steps as RunLoad) until ctx
// ends, recording every request: its target, status, Retry-After and
// latency. A request's timeout is 30 s, far above the database timeout, so
// a hang shows as such.
func (c *Cluster) RecordLoad(ctx context.Context, workersPerKind int) (*Recorder, func(), error) {
	rec := &Recorder{}
	var wg sync.WaitGroup
	ctx, cancel := context.WithCancel(ctx)
	for _, kind := range LoadKinds {
		newStep, err := c.prepare(kind, workersPerKind)
		if err != nil {
			cancel()
			wg.Wait()
			return nil, nil, fmt.Errorf("%s: %w", kind, err)
		}
		for i := range workersPerKind {
			step := newStep(i)
			hc := load.NewClient(30 * time.Second)
			hc.Transport = &recordingTransport{kind: kind, rec: rec, base: hc.Transport}
			wg.Go(func() {
				for ctx.Err() == nil {
					status, err := step(ctx, hc)
					if ctx.Err() != nil {
						return
					}
					if err != nil && status >= 200 && status < 300 {
						rec.mu.Lock()
						rec.Rejected++
						rec.mu.Unlock()
					}
					if err != nil || status < 200 || status >= 300 {
						// A closed loop on a failing target would spin.
						time.Sleep(20 * time.Millisecond)
					}
				}
			})
		}
	}
	return rec, func() { cancel(); wg.Wait() }, nil
}

// Hosts are the host:port of a node's token service and its gateway.
func (n *Node) Hosts() []string {
	var out []string
	for _, b := range []string{n.Base, n.Gateway} {
		if u, err := url.Parse(b); err == nil {
			out = append(out, u.Host)
		}
	}
	return out
}

// FaultFigures are the figures of one group of targets over one window.
type FaultFigures struct {
	Group                       string
	Requests, OK, S503, Other   int
	S503RetryAfter, S503Unavail int
	CCRequests, CCOK            int // client_credentials
	Slowest                     time.Duration
}

// SumFaults sums the samples that started in [from, to) on hosts (all hosts
// when nil).
func SumFaults(group string, samples []Sample, from, to time.Time, hosts []string) FaultFigures {
	f := FaultFigures{Group: group}
	in := map[string]bool{}
	for _, h := range hosts {
		in[h] = true
	}
	for _, s := range samples {
		if s.Start.Before(from) || !s.Start.Before(to) || (hosts != nil && !in[s.Host]) {
			continue
		}
		f.Requests++
		switch {
		case s.OK():
			f.OK++
		case !s.Err && s.Status == http.StatusServiceUnavailable:
			f.S503++
			if s.RetryAfter {
				f.S503RetryAfter++
			}
			if s.Unavail {
				f.S503Unavail++
			}
		default:
			f.Other++
		}
		if s.Kind == "client_credentials" {
			f.CCRequests++
			if s.OK() {
				f.CCOK++
			}
		}
		f.Slowest = max(f.Slowest, s.Took)
	}
	return f
}

// Recovery is how long after back the last failed request on hosts
// (all when nil) that started after back ended; 0 if none failed.
func Recovery(samples []Sample, back, until time.Time, hosts []string) time.Duration {
	in := map[string]bool{}
	for _, h := range hosts {
		in[h] = true
	}
	var last time.Duration
	for _, s := range samples {
		if s.Start.Before(back) || !s.Start.Before(until) || (hosts != nil && !in[s.Host]) || s.OK() {
			continue
		}
		last = max(last, s.Start.Add(s.Took).Sub(back))
	}
	return last
}

// FaultTable renders figures as a markdown table.
func FaultTable(rows []FaultFigures) string {
	var b strings.Builder
	b.WriteString("| targets, window | requests | ok | 503 | of which Retry-After / temporarily_unavailable | other errors | client_credentials ok | slowest answer |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, f := range rows {
		cc := "—"
		if f.CCRequests > 0 {
			cc = fmt.Sprintf("%d/%d (%.0f %%)", f.CCOK, f.CCRequests, 100*float64(f.CCOK)/float64(f.CCRequests))
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d / %d | %d | %s | %s |\n", f.Group, f.Requests, f.OK, f.S503,
			f.S503RetryAfter, f.S503Unavail, f.Other, cc, f.Slowest.Round(time.Millisecond))
	}
	return b.String()
}
