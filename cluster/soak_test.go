package cluster

import (
	"context"
	"fmt"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// TestClusterSoak runs the mixed load (2 workers per kind) on the cluster
// for TOLLGATE_CLUSTER_SOAK (a duration; make cluster-soak gives 10m),
// reads every process's RSS, open descriptors and goroutines every 10 s,
// and cuts the load into one-minute windows. It fails on any failed
// request and on any series that does not stay flat: fitted over the run
// after the first minute (warm-up: caches, pools and the heap grow to
// their working size), its change per 10 minutes must stay within the
// bounds below. The report goes to the log and to
// TOLLGATE_CLUSTER_SOAK_REPORT if set.
func TestClusterSoak(t *testing.T) {
	v := os.Getenv("TOLLGATE_CLUSTER_SOAK")
	if v == "" {
		t.Skip("soak only: set TOLLGATE_CLUSTER_SOAK=10m (make cluster-soak)")
	}
	dur, err := time.ParseDuration(v)
	if err != nil || dur < 2*time.Minute {
		t.Fatalf("TOLLGATE_CLUSTER_SOAK=%q: want a duration of at least 2m", v)
	}
	c := newTestCluster(t)
	procs := c.MetricsURLs()
	names := slices.Sorted(maps.Keys(procs))
	rec, stop, err := c.RecordLoad(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	start := time.Now()
	hc := &http.Client{Timeout: 5 * time.Second}
	readings := map[string][]Reading{}
	for tick := time.NewTicker(10 * time.Second); time.Since(start) < dur; <-tick.C {
		for _, n := range names {
			r, err := Read(t.Context(), hc, procs[n])
			if err != nil {
				t.Fatalf("%s: %v", n, err)
			}
			readings[n] = append(readings[n], r)
		}
	}
	stop()
	const warm = time.Minute
	minutes := int(dur / time.Minute)
	wins := Windows(rec.Samples(), start, time.Minute, minutes)

	var report strings.Builder
	fmt.Fprintf(&report, "%v of mixed load, 2 workers per kind, on 3 nodes and the remote gateway; fitted from minute %d on.\n\n",
		dur, int(warm/time.Minute))
	report.WriteString("| process | RSS first → last | RSS per 10 min | goroutines first → last | goroutines per 10 min | open fds first → last | fds per 10 min |\n")
	report.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	type bound struct {
		what      string
		get       func(Reading) float64
		share, at float64 // the fitted change per 10 min may be share of the mean, or at least at
	}
	bounds := []bound{
		{"RSS", func(r Reading) float64 { return r.RSS / (1 << 20) }, 0.10, 8},
		{"goroutines", func(r Reading) float64 { return r.Goroutines }, 0.10, 20},
		{"open fds", func(r Reading) float64 { return r.FDs }, 0.10, 10},
	}
	for _, n := range names {
		fmt.Fprintf(&report, "| %s |", n)
		for _, b := range bounds {
			var x, y []float64
			for _, r := range readings[n] {
				if at := r.At.Sub(start); at >= warm {
					x, y = append(x, at.Minutes()), append(y, b.get(r))
				}
			}
			tr := Fit(x, y)
			unit := ""
			if b.what == "RSS" {
				unit = " MiB"
			}
			fmt.Fprintf(&report, " %.0f → %.0f%s | %+.1f%s |", tr.First, tr.Last, unit, tr.Per10Min, unit)
			if limit := max(b.share*tr.Mean, b.at); tr.Per10Min > limit {
				t.Errorf("%s: %s grows %.1f per 10 min (mean %.1f, bound %.1f)", n, b.what, tr.Per10Min, tr.Mean, limit)
			}
		}
		report.WriteString("\n")
	}
	report.WriteString("\n| minute | requests | failed | p99 |\n| ---: | ---: | ---: | ---: |\n")
	var x, y []float64
	bad := 0
	for i, w := range wins {
		fmt.Fprintf(&report, "| %d | %d | %d | %s |\n", i+1, w.Requests, w.Bad, ms(w.P99))
		bad += w.Bad
		if w.Start.Sub(start) >= warm {
			x, y = append(x, float64(i)), append(y, float64(w.P99)/float64(time.Millisecond))
		}
	}
	p99 := Fit(x, y)
	fmt.Fprintf(&report, "\np99 fitted: %+.1f ms per 10 min (mean %.1f ms). Failed requests: %d. 2xx answers a step rejected: %d.\n",
		p99.Per10Min, p99.Mean, bad, rec.Rejected)
	t.Log("\n" + report.String())
	if bad != 0 || rec.Rejected != 0 {
		t.Errorf("%d failed requests and %d rejected answers, want none", bad, rec.Rejected)
	}
	if limit := max(0.5*p99.Mean, 20); p99.Per10Min > limit {
		t.Errorf("p99 grows %.1f ms per 10 min (mean %.1f ms, bound %.1f)", p99.Per10Min, p99.Mean, limit)
	}
	if path := os.Getenv("TOLLGATE_CLUSTER_SOAK_REPORT"); path != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(report.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// TestFitAndWindows pins the soak's arithmetic on known data.
func TestFitAndWindows(t *testing.T) {
	tr := Fit([]float64{0, 1, 2, 3}, []float64{3, 5, 7, 9})
	if tr.Per10Min != 20 || tr.Mean != 6 || tr.First != 3 || tr.Last != 9 {
		t.Fatalf("fit of y = 3 + 2x: %+v", tr)
	}
	start := time.Now()
	var samples []Sample
	for i := range 200 {
		samples = append(samples, Sample{Start: start.Add(time.Duration(i) * time.Millisecond), Took: time.Duration(i+1) * time.Millisecond, Status: 200})
	}
	samples = append(samples, Sample{Start: start.Add(time.Second), Status: 503})
	w := Windows(samples, start, time.Second, 2)
	if w[0].Requests != 200 || w[0].Bad != 0 || w[0].P99 != 198*time.Millisecond {
		t.Fatalf("first window %+v", w[0])
	}
	if w[1].Requests != 1 || w[1].Bad != 1 || w[1].P99 != 0 {
		t.Fatalf("second window %+v", w[1])
	}
}
