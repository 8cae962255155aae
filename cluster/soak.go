package cluster

import (
	"bufio"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Reading is one look at a process's resources, scraped from its
// /metrics (the Go and process collectors every tollgate process has).
type Reading struct {
	At                    time.Time
	RSS, FDs, Goroutines  float64 // bytes, open descriptors, goroutines
	scrapedRSS, scrapedFD bool
}

// soakMetrics are the series a Reading takes, by their Prometheus names.
var soakMetrics = map[string]func(*Reading, float64){
	"process_resident_memory_bytes": func(r *Reading, v float64) { r.RSS, r.scrapedRSS = v, true },
	"process_open_fds":              func(r *Reading, v float64) { r.FDs, r.scrapedFD = v, true },
	"go_goroutines":                 func(r *Reading, v float64) { r.Goroutines = v },
}

// MetricsURLs are the /metrics of every process: the three nodes and the
// remote gateway, by name.
func (c *Cluster) MetricsURLs() map[string]string {
	out := map[string]string{}
	for _, n := range c.Nodes {
		out[n.Name] = n.Base + "/metrics"
	}
	out["remote gateway"] = strings.TrimSuffix(c.Gateway.readyURL, "/readyz") + "/metrics"
	return out
}

// Read scrapes one process's resources.
func Read(ctx context.Context, hc *http.Client, metricsURL string) (Reading, error) {
	r := Reading{At: time.Now()}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, metricsURL, nil)
	if err != nil {
		return r, err
	}
	resp, err := hc.Do(req)
	if err != nil {
		return r, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return r, fmt.Errorf("%s: %s", metricsURL, resp.Status)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		name, value, ok := strings.Cut(sc.Text(), " ")
		if set := soakMetrics[name]; ok && set != nil {
			v, err := strconv.ParseFloat(strings.TrimSpace(value), 64)
			if err != nil {
				return r, fmt.Errorf("%s: %s: %w", metricsURL, name, err)
			}
			set(&r, v)
		}
	}
	if err := sc.Err(); err != nil {
		return r, err
	}
	if !r.scrapedRSS || !r.scrapedFD || r.Goroutines == 0 {
		return r, fmt.Errorf("%s: process or Go metrics missing", metricsURL)
	}
	return r, nil
}

// Trend is a series' least-squares line over a soak: where it started and
// how much it moves per 10 minutes.
type Trend struct {
	First, Last, Mean float64
	Per10Min          float64
}

// Fit fits y over x (minutes since the start) by least squares.
func Fit(x, y []float64) Trend {
	n := float64(len(x))
	if len(x) < 2 {
		return Trend{}
	}
	var sx, sy, sxx, sxy float64
	for i := range x {
		sx, sy, sxx, sxy = sx+x[i], sy+y[i], sxx+x[i]*x[i], sxy+x[i]*y[i]
	}
	t := Trend{First: y[0], Last: y[len(y)-1], Mean: sy / n}
	if d := n*sxx - sx*sx; d != 0 {
		t.Per10Min = 10 * (n*sxy - sx*sy) / d
	}
	return t
}

// Window is one minute of a soak's load.
type Window struct {
	Start         time.Time
	Requests, Bad int
	P99           time.Duration
}

// Windows cuts samples into windows of d from start: requests, failed or
// rejected ones, and the p99 latency of the rest.
func Windows(samples []Sample, start time.Time, d time.Duration, n int) []Window {
	out := make([]Window, n)
	took := make([][]time.Duration, n)
	for i := range out {
		out[i].Start = start.Add(time.Duration(i) * d)
	}
	for _, s := range samples {
		i := int(s.Start.Sub(start) / d)
		if i < 0 || i >= n {
			continue
		}
		out[i].Requests++
		if !s.OK() {
			out[i].Bad++
			continue
		}
		took[i] = append(took[i], s.Took)
	}
	for i, t := range took {
		if len(t) == 0 {
			continue
		}
		slices.Sort(t)
		out[i].P99 = t[(len(t)*99-1)/100]
	}
	return out
}
