package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"runtime"
	"time"

	"github.com/tollgate-dev/tollgate/bench/load"
	"github.com/tollgate-dev/tollgate/internal/secret"
)

type report struct {
	started              time.Time
	floorStart, floorEnd *measured // the floor before and after the databases
	hash                 secret.Params
	dbs                  []*dbReport
}

func ms(d time.Duration) string { return fmt.Sprintf("%.2f ms", float64(d)/1e6) }

func msf(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// floor is both floor runs as one: their mean rate and merged latencies.
func (r *report) floor() *load.Result {
	var f load.Result
	for _, m := range []*measured{r.floorStart, r.floorEnd} {
		if m != nil {
			f.Merge(m.res)
		}
	}
	if f.Requests == 0 {
		return nil
	}
	return &f
}

func (r *report) ratio(rps float64) string {
	f := r.floor()
	if f == nil || f.RPS() == 0 {
		return "–"
	}
	return fmt.Sprintf("%.1f %%", 100*rps/f.RPS())
}

func (r *report) print(w io.Writer, o options) {
	fmt.Fprintf(w, "\n## Tollgate load benchmark, %s\n\n", r.started.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(w, "%d CPUs (GOMAXPROCS %d), %d clients, %v warm-up + %v measured per scenario (client_credentials %v, password and signin %v), HTTP/1.1 keep-alive, loopback.\n\n",
		runtime.NumCPU(), runtime.GOMAXPROCS(0), o.concurrency, o.warmup, o.duration, o.ccDuration, o.durationOf("password"))
	fmt.Fprintln(w, "The ratio is to the mean of the two floor runs. *Other CPU* is the cores other processes on the machine used during the run (of", runtime.NumCPU(), "); figures with a high value are depressed by them.")
	fmt.Fprintln(w, "\n| scenario | db | req/s | ratio to floor | p50 | p90 | p99 | max | errors | other CPU |")
	fmt.Fprintln(w, "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
	row := func(name, db string, res *load.Result, other string) {
		fmt.Fprintf(w, "| %s | %s | %.0f | %s | %s | %s | %s | %s | %d | %s |\n", name, db, res.RPS(), r.ratio(res.RPS()),
			ms(res.Latency.Percentile(50)), ms(res.Latency.Percentile(90)), ms(res.Latency.Percentile(99)),
			ms(res.Latency.Max()), res.Failed(), other)
	}
	if m := r.floorStart; m != nil {
		row("floor, start (bare net/http)", "–", m.res, fmtCores(m.other))
	}
	if m := r.floorEnd; m != nil {
		row("floor, end", "–", m.res, fmtCores(m.other))
	}
	for _, d := range r.dbs {
		for _, x := range d.results {
			if x.res == nil {
				fmt.Fprintf(w, "| %s | %s | skipped | | | | | | | |\n", x.scenario, d.db)
				continue
			}
			row(x.scenario, d.db, x.res, fmtCores(x.other))
		}
	}
	for _, d := range r.dbs {
		for _, x := range d.results {
			if x.skipped != "" {
				fmt.Fprintf(w, "\n%s on %s: %s\n", x.scenario, d.db, x.skipped)
			}
		}
	}
	fmt.Fprintf(w, "\n### Password hashing\n\nRaw argon2id at the server's cost (m=%d KiB, t=%d, p=%d) on %d goroutines, measured for %v (after %v of warm-up) right before and right after the password scenario:\n\n",
		r.hash.Memory, r.hash.Time, r.hash.Threads, runtime.GOMAXPROCS(0), o.argonTime, argonWarmup(o.argonTime))
	for _, d := range r.dbs {
		raw := (d.argonBefore + d.argonAfter) / 2
		for _, x := range d.results {
			if x.scenario == "password" && x.res != nil && raw > 0 {
				fmt.Fprintf(w, "- %s: raw %.1f / %.1f hashes/s (mean %.1f); password grant %.1f req/s = **%.0f %%** of the raw rate\n",
					d.db, d.argonBefore, d.argonAfter, raw, x.res.RPS(), 100*x.res.RPS()/raw)
			}
		}
	}
	r.printSignIn(w)
	r.printOps(w, o)
}

// printOps prints memory, start-up, overload and large-data figures.
func (r *report) printOps(w io.Writer, o options) {
	if len(r.dbs) == 0 {
		return
	}
	fmt.Fprintln(w, "\n### Memory and start-up\n\n| db | idle RSS | RSS after client_credentials | first start → /readyz | restart → /readyz |\n| --- | ---: | ---: | ---: | ---: |")
	for _, d := range r.dbs {
		fmt.Fprintf(w, "| %s | %.1f MiB | %.1f MiB (after %v) | %s | %s |\n", d.db, d.idleRSS, d.ccRSS, d.ccDuration, ms(d.firstStart), ms(d.restart))
	}
	if o.full() {
		fmt.Fprintf(w, "\n### Overload: password grant, %d clients\n\n", o.overload)
		fmt.Fprintln(w, "| db | req/s | 200 | 503 (with Retry-After) | other failures | p50 | p99 | max | peak RSS | other CPU |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
		for _, d := range r.dbs {
			x := d.overload.res
			if x == nil {
				continue
			}
			fmt.Fprintf(w, "| %s | %.0f | %d | %d | %d | %s | %s | %s | %.1f MiB | %s |\n", d.db, x.RPS(), x.Status[200], x.Status[503],
				x.Failed()-x.Status[503], ms(x.Latency.Percentile(50)), ms(x.Latency.Percentile(99)), ms(x.Latency.Max()),
				d.overloadPeakRSS, fmtCores(d.overload.other))
			if x.FirstError != "" {
				fmt.Fprintf(w, "\nfirst failure on %s: %s\n", d.db, x.FirstError)
			}
		}
	}
	for _, d := range r.dbs {
		if len(d.large) == 0 {
			continue
		}
		fmt.Fprintf(w, "\n### Large data set on %s (%d users, %d applications, %d refresh tokens; seeded in %v)\n\n"+
			"*Empty* is a reference server beside it whose database holds only the fixture, run right before each large run.\n\n",
			d.db, largeUsers, largeApps, largeTokens, d.largeSeed.Round(time.Millisecond))
		fmt.Fprintln(w, "| grant | req/s empty | req/s large | p99 empty | p99 large | p99 change | other CPU empty / large |\n| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
		for i, l := range d.large {
			if e := d.largeRef[i]; e.res != nil && l.res != nil {
				pe, pl := e.res.Latency.Percentile(99), l.res.Latency.Percentile(99)
				fmt.Fprintf(w, "| %s | %.0f | %.0f | %s | %s | %+.0f %% | %s / %s |\n", l.scenario, e.res.RPS(), l.res.RPS(),
					ms(pe), ms(pl), 100*(float64(pl)/float64(pe)-1), fmtCores(e.other), fmtCores(l.other))
			}
		}
	}
}

type jsonLine struct {
	Scenario string  `json:"scenario"`
	DB       string  `json:"db"`
	RPS      float64 `json:"rps"`
	P50      float64 `json:"p50_ms"`
	P99      float64 `json:"p99_ms"`
	Errors   uint64  `json:"errors"`
}

// writeJSON writes one object per scenario, floor included (db "none").
func (r *report) writeJSON(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	enc := json.NewEncoder(f)
	put := func(name, db string, res *load.Result, errs uint64) {
		if res != nil && err == nil {
			err = enc.Encode(jsonLine{name, db, res.RPS(), msf(res.Latency.Percentile(50)), msf(res.Latency.Percentile(99)), errs})
		}
	}
	// putResult writes a scenario's line; one that did not run has none.
	putResult := func(db string, x result) {
		if x.res != nil {
			put(x.scenario, db, x.res, x.res.Failed())
		}
	}
	if f := r.floor(); f != nil {
		put("floor", "none", f, f.Failed())
	}
	for _, d := range r.dbs {
		for _, x := range d.results {
			putResult(d.db, x)
		}
		// 503s with Retry-After are the designed answer to overload.
		if x := d.overload.res; x != nil {
			put("password256", d.db, x, x.Failed()-x.Status[503])
		}
		// Each large run after its reference run, as they were measured.
		for i, x := range d.large {
			putResult(d.db+"+reference", d.largeRef[i])
			putResult(d.db+"+large", x)
		}
	}
	return errors.Join(err, f.Close())
}
