package cluster

import (
	"fmt"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/bench/load"
)

// Issue 17's propagation targets.
const (
	TargetP50 = 100 * time.Millisecond
	TargetP99 = time.Second
)

// Table renders figures as the Markdown table of docs/RELIABILITY.md.
func Table(figs []*Figures) string {
	var b strings.Builder
	b.WriteString("| change on node 1 | samples | p50 everywhere | p99 everywhere | max | p99 node 2 | p99 node 3 | p99 remote gateway | target met |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |\n")
	for _, f := range figs {
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s |", f.Kind, f.Samples, ms(f.Everywhere.Percentile(50)),
			ms(f.Everywhere.Percentile(99)), ms(f.Everywhere.Max()))
		for t := range Targets {
			if f.Target[t].Count() == 0 {
				b.WriteString(" n/a |")
				continue
			}
			fmt.Fprintf(&b, " %s |", ms(f.Target[t].Percentile(99)))
		}
		met := "yes"
		if err := f.Check(); err != nil {
			met = "**no**"
		}
		fmt.Fprintf(&b, " %s |\n", met)
	}
	return b.String()
}

// Check is an error if f misses a target.
func (f *Figures) Check() error {
	p50, p99 := f.Everywhere.Percentile(50), f.Everywhere.Percentile(99)
	if p50 > TargetP50 || p99 > TargetP99 {
		return fmt.Errorf("%s: p50 %v, p99 %v over %d samples; targets %v and %v", f.Kind, p50, p99, f.Samples, TargetP50, TargetP99)
	}
	return nil
}

func ms(d time.Duration) string { return fmt.Sprintf("%.1f ms", float64(d)/float64(time.Millisecond)) }

// Summary is one line per load kind: requests, rate, failures, p50, p99.
func Summary(res map[string]*load.Result) string {
	var b strings.Builder
	for _, k := range LoadKinds {
		r := res[k]
		if r == nil {
			continue
		}
		fmt.Fprintf(&b, "%-18s %7d req %8.0f req/s %5d failed  p50 %s  p99 %s", k, r.Requests, r.RPS(), r.Failed(),
			ms(r.Latency.Percentile(50)), ms(r.Latency.Percentile(99)))
		if r.FirstError != "" {
			fmt.Fprintf(&b, "  (first error: %s)", r.FirstError)
		}
		b.WriteString("\n")
	}
	return b.String()
}
