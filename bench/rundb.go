package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"github.com/tollgate-dev/tollgate/bench/load"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
)

// result is one scenario's outcome on one database.
type result struct {
	scenario string
	res      *load.Result
	other    float64 // cores other processes used meanwhile
	skipped  string  // why the scenario did not run
}

// dbReport is everything measured on one database.
type dbReport struct {
	db                  string
	results             []result
	idleRSS, ccRSS      float64 // MiB
	ccDuration          time.Duration
	firstStart, restart time.Duration
	overload            result
	overloadPeakRSS     float64
	large               []result // grants again, with the large data set
	// largeRef holds the same grants on a reference server with an empty
	// database, each measured right before its large counterpart.
	largeRef []result
	// Raw argon2id rates measured right before and after the password
	// scenario, so the ratio compares like with like on a shared machine.
	argonBefore, argonAfter float64
	largeSeed               time.Duration
}

// runDB starts a fresh server on db, seeds it and runs every scenario,
// the overload run, a restart, and (BENCH_LARGE=1) the large data set.
func runDB(ctx context.Context, o options, d *dbReport) error {
	tmp, err := os.MkdirTemp("", "tollgate-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	s := &server{bin: o.tollgate, dataDir: filepath.Join(tmp, "data"), boot: newBootstrapToken()}
	// PostgreSQL's CPU is the server's, not "other processes'".
	var pgPID int
	var refDSN string // the large-data step's reference database on PostgreSQL
	peers := func() []int { return []int{s.pid(), pgPID} }
	if d.db == "postgres" {
		logf("postgres: starting a throwaway cluster")
		cl, err := pgtest.Start()
		if err != nil {
			return err
		}
		defer cl.Stop()
		s.database = cl.DSN("postgres")
		pgPID = cl.PID()
		refDSN = cl.DSN(refDatabase)
	}
	var prof *profiler
	if o.profileDir != "" {
		port, err := freePort()
		if err != nil {
			return err
		}
		s.debugAddr = fmt.Sprintf("127.0.0.1:%d", port)
		prof = &profiler{dir: o.profileDir, addr: s.debugAddr, db: d.db}
		if err := os.MkdirAll(o.profileDir, 0o755); err != nil {
			return err
		}
	}
	logf("%s: starting tollgate", d.db)
	if d.firstStart, err = s.start(ctx); err != nil {
		return err
	}
	defer s.stop()
	// Let start-up garbage settle before reading the idle figure.
	time.Sleep(time.Second)
	d.idleRSS = rssMiB(s.pid(), "VmRSS")

	e := newEnv(s)
	if err := e.seed(ctx); err != nil {
		return fmt.Errorf("seed: %w", err)
	}
	var hint float64
	for _, sc := range scenarios {
		if !o.selected(sc.name) {
			continue
		}
		dur := o.durationOf(sc.name)
		switch sc.name {
		case "client_credentials":
			// Long enough for the "RSS after 60 s of load" target.
			dur = o.ccDuration
		case "password":
			quiet(o, peers()...)
			logf("  raw argon2id rate before the password grant")
			d.argonBefore = argonRate(secret.DefaultParams, o.argonTime)
		}
		r, err := runScenario(ctx, o, e, peers(), prof, sc, o.concurrency, o.warmup, dur, hint)
		if err != nil {
			return err
		}
		d.results = append(d.results, r)
		switch sc.name {
		case "client_credentials":
			hint = r.res.RPS()
			d.ccRSS, d.ccDuration = rssMiB(s.pid(), "VmRSS"), dur+o.warmup
		case "password":
			quiet(o, peers()...)
			logf("  raw argon2id rate after the password grant")
			d.argonAfter = argonRate(secret.DefaultParams, o.argonTime)
		}
	}

	if o.full() {
		if err := runOverloadAndRestart(ctx, o, d, s, e, prof, peers); err != nil {
			return err
		}
	}
	if o.large {
		return runLarge(ctx, o, d, s, e, prof, peers, refDSN)
	}
	return nil
}

// runOverloadAndRestart runs the password grant with o.overload clients,
// then restarts the server on its data and times it to /readyz.
func runOverloadAndRestart(ctx context.Context, o options, d *dbReport, s *server, e *env, prof *profiler, peers func() []int) error {
	logf("%s: password grant with %d clients", d.db, o.overload)
	stopRSS := make(chan struct{})
	peak := peakRSS(s.pid(), stopRSS)
	r, err := runScenario(ctx, o, e, peers(), prof, scenario{name: "password256", prepare: prepPassword256},
		o.overload, time.Second, min(o.duration, 5*time.Second), 0)
	close(stopRSS)
	d.overloadPeakRSS = <-peak
	if err != nil {
		return err
	}
	d.overload = r

	logf("%s: restarting on the existing data", d.db)
	if err := s.stop(); err != nil {
		return fmt.Errorf("stop: %w", err)
	}
	d.restart, err = s.start(ctx)
	return err
}

// largeGrants are the scenarios run again on the large data set: one per
// grant type (the target is "every grant's p99").
var largeGrants = map[string]bool{"client_credentials": true, "password": true, "refresh_token": true,
	"embed_secret": true, "embed_secret_signed": true}

// runLarge stops the server, adds the large data set directly in its
// database, restarts it and runs each grant again. Each run on the large
// database follows the same grant on a reference server whose database
// holds only the fixture: this machine's speed drifts by 15 % within
// minutes, so p99s measured minutes apart differ by 20 % with no change in
// the data; measured back to back they compare the data alone.
func runLarge(ctx context.Context, o options, d *dbReport, s *server, e *env, prof *profiler, peers func() []int, refDSN string) error {
	if err := s.stop(); err != nil {
		return err
	}
	dsn := s.database
	if dsn == "" {
		dsn = filepath.Join(s.dataDir, "tollgate.db")
	}
	logf("%s: seeding %d users, %d applications, %d refresh tokens", d.db, largeUsers, largeApps, largeTokens)
	var err error
	if d.largeSeed, err = seedLarge(ctx, dsn); err != nil {
		return err
	}
	if _, err := s.start(ctx); err != nil {
		return err
	}
	logf("%s: starting a reference server on an empty database", d.db)
	ref, eRef, err := startReference(ctx, o, s, refDSN)
	if err != nil {
		return err
	}
	defer ref.stop()
	both := func() []int { return append(peers(), ref.pid()) }
	var hint float64
	for _, r := range d.results {
		if r.scenario == "client_credentials" && r.res != nil {
			hint = r.res.RPS()
		}
	}
	for _, sc := range scenarios {
		if !largeGrants[sc.name] || !o.selected(sc.name) {
			continue
		}
		r, err := runScenario(ctx, o, eRef, both(), nil, sc, o.concurrency, o.warmup, o.durationOf(sc.name), hint)
		if err != nil {
			return err
		}
		d.largeRef = append(d.largeRef, r)
		if r, err = runScenario(ctx, o, e, both(), prof.large(), sc, o.concurrency, o.warmup, o.durationOf(sc.name), hint); err != nil {
			return err
		}
		d.large = append(d.large, r)
	}
	return nil
}

// startReference starts a second server beside s with the same fixture,
// on an empty SQLite data dir, or on database dsn when that is set.
func startReference(ctx context.Context, o options, s *server, dsn string) (*server, *env, error) {
	ref := &server{bin: o.tollgate, dataDir: filepath.Join(filepath.Dir(s.dataDir), "reference"), boot: newBootstrapToken(), database: dsn}
	if dsn != "" {
		if err := createDatabase(ctx, s.database, refDatabase); err != nil {
			return nil, nil, err
		}
	}
	if _, err := ref.start(ctx); err != nil {
		return nil, nil, err
	}
	e := newEnv(ref)
	if err := e.seed(ctx); err != nil {
		ref.stop()
		return nil, nil, fmt.Errorf("seed the reference server: %w", err)
	}
	return ref, e, nil
}

// newEnv is the admin and token client of server s, not yet seeded.
func newEnv(s *server) *env {
	return &env{base: s.base(), gateway: "http://" + s.gatewayAddr, boot: s.boot, http: &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{DialContext: (&net.Dialer{}).DialContext, MaxIdleConnsPerHost: 64},
	}}
}

func runScenario(ctx context.Context, o options, e *env, peers []int, prof *profiler, sc scenario, conc int, warmup, dur time.Duration, hint float64) (result, error) {
	if expiring[sc.name] {
		quiet(o, peers...)
	}
	logf("  %s: preparing", sc.name)
	steps, err := sc.prepare(ctx, e, conc, warmup+dur, hint)
	if errors.Is(err, errSkip) {
		logf("  %s: %v", sc.name, err)
		return result{scenario: sc.name, skipped: err.Error()}, nil
	}
	if err != nil {
		return result{}, fmt.Errorf("%s: %w", sc.name, err)
	}
	logf("  %s: %d clients, %v warm-up + %v", sc.name, conc, warmup, dur)
	if !expiring[sc.name] {
		quiet(o, peers...)
	}
	wait := prof.during(ctx, sc.name, warmup, dur)
	before := takeCPU(peers...)
	res, err := load.Run(ctx, load.Config{Concurrency: conc, Warmup: warmup, Duration: dur, NewWorker: steps})
	other := otherCores(before, takeCPU(peers...))
	wait()
	if err != nil {
		return result{}, err
	}
	if res.FirstError != "" {
		logf("  %s: first error: %s", sc.name, res.FirstError)
	}
	return result{scenario: sc.name, res: res, other: other}, nil
}
