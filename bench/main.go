// Command bench is Tollgate's reproducible load benchmark (issue 4). It
// starts a fresh `tollgate serve` on a temporary data dir (and, with
// BENCH_POSTGRES=1, on a throwaway PostgreSQL cluster), seeds it through the
// admin API, runs every scenario with a closed-loop load generator, and
// compares each figure with a bare net/http handler measured in the same
// run. `make bench` builds and runs it; docs/PERFORMANCE.md explains the
// output.
package main

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"flag"
	"fmt"
	"net/http"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tollgate-dev/tollgate/bench/load"
	"github.com/tollgate-dev/tollgate/internal/secret"
)

type options struct {
	tollgate    string
	duration    time.Duration
	ccDuration  time.Duration // client_credentials runs longer: RSS target
	warmup      time.Duration
	concurrency int
	overload    int // clients of the password256 run
	postgres    bool
	large       bool
	jsonPath    string
	profileDir  string        // BENCH_PROFILE: CPU profiles of the server per scenario
	quiet       bool          // BENCH_QUIET: wait for other processes to go idle first
	argonTime   time.Duration // each raw argon2id measurement
	// only (BENCH_ONLY) lists the scenarios to run, comma-separated; empty
	// runs them all. Overload and restart run only when empty; the large
	// data set (BENCH_LARGE) runs the selected grants.
	only map[string]bool
}

// selected reports whether scenario name is to run.
func (o options) selected(name string) bool { return len(o.only) == 0 || o.only[name] }

// durationOf is the measured time of scenario name. The password grant
// and the browser sign-in run three times as long: at about 85 requests a
// second, 10 s hold some 850 requests, so a p99 would be the ninth-slowest
// of them. They run at least 3 s: on a slow host (the smoke test's
// race-built server on a busy machine) one sign-in, four requests and a
// hash, can take over a second, and a window that none completes in
// measures nothing.
func (o options) durationOf(name string) time.Duration {
	if name == "password" || name == "signin" {
		return max(3*o.duration, 3*time.Second)
	}
	return o.duration
}

// full reports whether this is a whole run rather than a BENCH_ONLY subset.
func (o options) full() bool { return len(o.only) == 0 }

// serveChild runs this process as one of the bench's helper processes
// (the floor or the bare reverse proxy) when started as one, and reports
// whether it was.
func serveChild() bool {
	var err error
	switch {
	case len(os.Args) == 3 && os.Args[1] == proxyFlag:
		err = serveProxy(os.Args[2])
	case len(os.Args) == 2 && os.Args[1] == floorFlag:
		err = serveFloor()
	default:
		return false
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, os.Args[1]+":", err)
		os.Exit(1)
	}
	return true
}

func main() {
	if serveChild() {
		return
	}
	o := options{
		argonTime:   3 * time.Second,
		duration:    envDuration("BENCH_DURATION", 10*time.Second),
		warmup:      envDuration("BENCH_WARMUP", 2*time.Second),
		ccDuration:  envDuration("BENCH_CC_DURATION", 60*time.Second),
		concurrency: envInt("BENCH_CONCURRENCY", 32),
		overload:    256,
		postgres:    os.Getenv("BENCH_POSTGRES") == "1",
		large:       os.Getenv("BENCH_LARGE") == "1",
		jsonPath:    os.Getenv("BENCH_JSON"),
		profileDir:  os.Getenv("BENCH_PROFILE"),
		quiet:       os.Getenv("BENCH_QUIET") == "1",
		only:        envSet("BENCH_ONLY"),
	}
	flag.StringVar(&o.tollgate, "tollgate", "bin/tollgate", "the tollgate binary to benchmark")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	rep, err := run(ctx, o)
	if rep != nil {
		// JSON first: the table may go to a pipe that closes early.
		if o.jsonPath != "" {
			if werr := rep.writeJSON(o.jsonPath); werr != nil {
				fmt.Fprintln(os.Stderr, "bench:", werr)
			}
		}
		rep.print(os.Stdout, o)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "bench:", err)
		os.Exit(1)
	}
}

// measured is a run and the CPU other processes took during it (cores).
type measured struct {
	res   *load.Result
	other float64
}

// run measures the floor, every database, and the floor again.
// It returns what it measured even when a later step fails.
func run(ctx context.Context, o options) (*report, error) {
	rep := &report{started: time.Now(), hash: secret.DefaultParams}
	var err error
	if rep.floorStart, err = measureFloor(ctx, o); err != nil {
		return nil, err
	}
	dbs := []string{"sqlite"}
	if o.postgres {
		dbs = append(dbs, "postgres")
	}
	for _, db := range dbs {
		d := &dbReport{db: db}
		rep.dbs = append(rep.dbs, d)
		if err := runDB(ctx, o, d); err != nil {
			return rep, fmt.Errorf("%s: %w", db, err)
		}
	}
	// Again at the end: on a shared machine one floor can be an outlier,
	// and the ratios use both.
	rep.floorEnd, err = measureFloor(ctx, o)
	return rep, err
}

// measureFloor runs the floor scenario against a fresh floor process.
func measureFloor(ctx context.Context, o options) (*measured, error) {
	logf("floor: bare net/http handler in a separate process")
	f, err := startFloor()
	if err != nil {
		return nil, err
	}
	defer f.stop()
	body := []byte("grant_type=client_credentials&client_id=bench&client_secret=0123456789abcdef0123456789abcdef")
	url, h := "http://"+f.addr+"/token", load.FormHeader("", "")
	quiet(o, f.cmd.Process.Pid)
	before := takeCPU(f.cmd.Process.Pid)
	res, err := load.Run(ctx, load.Config{Concurrency: o.concurrency, Warmup: o.warmup, Duration: o.duration,
		NewWorker: func(int) load.Step {
			return func(ctx context.Context, c *http.Client) (int, error) {
				s, _, _, err := load.Post(ctx, c, url, h, body, false)
				return s, err
			}
		}})
	if err != nil {
		return nil, err
	}
	return &measured{res, otherCores(before, takeCPU(f.cmd.Process.Pid))}, nil
}

func newBootstrapToken() string {
	b := make([]byte, 32)
	rand.Read(b)
	return "tgb_bench_" + hex.EncodeToString(b)
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "%s  "+format+"\n", append([]any{time.Now().Format("15:04:05")}, args...)...)
}

func envDuration(name string, def time.Duration) time.Duration {
	if v := os.Getenv(name); v != "" {
		if d, err := time.ParseDuration(v); err == nil {
			return d
		}
		fmt.Fprintf(os.Stderr, "bench: ignoring %s=%q (want a duration like 10s)\n", name, v)
	}
	return def
}

func envSet(name string) map[string]bool {
	set := map[string]bool{}
	for _, v := range strings.Split(os.Getenv(name), ",") {
		if v = strings.TrimSpace(v); v != "" {
			set[v] = true
		}
	}
	return set
}

func envInt(name string, def int) int {
	if v := os.Getenv(name); v != "" {
		if n, err := strconv.Atoi(v); err == nil && n > 0 {
			return n
		}
		fmt.Fprintf(os.Stderr, "bench: ignoring %s=%q (want a positive integer)\n", name, v)
	}
	return def
}

// quiet applies BENCH_QUIET before a measurement.
func quiet(o options, peers ...int) {
	if !o.quiet {
		return
	}
	if waited := waitQuiet(peers, 0.2, time.Minute); waited >= time.Second {
		logf("  waited %v for other processes to go quiet", waited.Round(time.Second))
	}
}
