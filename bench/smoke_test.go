package main

import (
	"bufio"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestMain(m *testing.M) {
	// The floor and the bare proxy are this binary started again.
	if serveChild() {
		return
	}
	os.Exit(m.Run())
}

// TestSmoke runs the whole benchmark briefly against a freshly built
// server, so `make bench` cannot rot between the runs that quote figures:
// every scenario must run without a failed request, and the report and its
// JSON must come out.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and starts tollgate")
	}
	bin := filepath.Join(t.TempDir(), "tollgate")
	args := []string{"build", "-o", bin}
	if raceEnabled {
		args = append(args, "-race") // reuses the packages the test run compiled
	}
	build := exec.Command("go", append(args, "github.com/tollgate-dev/tollgate/cmd/tollgate")...)
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	o := options{
		tollgate: bin, duration: 300 * time.Millisecond, ccDuration: 300 * time.Millisecond,
		warmup: 100 * time.Millisecond, concurrency: 4, overload: 16, argonTime: 200 * time.Millisecond,
		postgres: os.Getenv("TOLLGATE_TEST_POSTGRES") == "1", jsonPath: filepath.Join(t.TempDir(), "bench.jsonl"),
	}
	ctx, cancel := context.WithTimeout(context.Background(), 4*time.Minute)
	defer cancel()
	rep, err := run(ctx, o)
	if err != nil {
		t.Fatal(err)
	}
	want := len(scenarios)
	for _, d := range rep.dbs {
		if len(d.results) != want {
			t.Errorf("%s: %d scenarios ran, want %d", d.db, len(d.results), want)
		}
		for _, x := range d.results {
			failed := x.res.Failed()
			if x.scenario == "password" || x.scenario == "signin" {
				// A race-built server on a busy machine may shed hashes
				// with 503, as it is meant to under excess load.
				failed -= x.res.Status[http.StatusServiceUnavailable]
			}
			switch {
			case x.skipped != "":
				t.Errorf("%s on %s skipped: %s", x.scenario, d.db, x.skipped)
			case failed > 0 || x.res.Requests == x.res.Failed():
				t.Errorf("%s on %s: %.0f req/s, %d failed, %d shed (first: %s)", x.scenario, d.db, x.res.RPS(), x.res.Failed(),
					x.res.Status[http.StatusServiceUnavailable], x.res.FirstError)
			}
		}
		if x := d.overload.res; x == nil || x.Failed() != x.Status[503] {
			t.Errorf("%s: overload run failed other than by 503: %+v", d.db, x)
		}
		if d.argonBefore <= 0 || d.restart <= 0 {
			t.Errorf("%s: raw argon2id %.1f/s, restart %v", d.db, d.argonBefore, d.restart)
		}
	}
	var out strings.Builder
	rep.print(&out, o)
	// The browser sign-in is set against the password grant.
	if !strings.Contains(out.String(), "of the password grant's") || !strings.Contains(out.String(), "code redemption alone") {
		t.Errorf("the report lacks the browser sign-in figures:\n%s", out.String())
	}
	if err := rep.writeJSON(o.jsonPath); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(o.jsonPath)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	lines := 0
	for sc := bufio.NewScanner(f); sc.Scan(); lines++ {
		var l jsonLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil || l.Scenario == "" || l.DB == "" {
			t.Fatalf("JSON line %q: %v", sc.Text(), err)
		}
	}
	// The floor, every scenario on every database, and the overload run.
	if wantLines := 1 + len(rep.dbs)*(want+1); lines != wantLines {
		t.Errorf("%d JSON lines, want %d", lines, wantLines)
	}
}
