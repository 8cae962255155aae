package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestClusterDatabaseFaults runs the database faults of issue 17 under
// the mixed load, one after the other on one cluster: node 3 cut off from
// PostgreSQL, PostgreSQL frozen (SIGSTOP), PostgreSQL shut down and
// restarted on the same data and port; each for 10 s, then 8 s to
// recover. Only in the full campaign (make cluster-test), which sets
// TOLLGATE_CLUSTER_FAULTS=1. The tables go to the log and to
// TOLLGATE_CLUSTER_FAULTS_REPORT if set.
func TestClusterDatabaseFaults(t *testing.T) {
	if os.Getenv("TOLLGATE_CLUSTER_FAULTS") != "1" {
		t.Skip("full campaign only: set TOLLGATE_CLUSTER_FAULTS=1")
	}
	c := newTestCluster(t)
	const (
		outage  = 10 * time.Second
		settle  = 8 * time.Second
		recover = 5 * time.Second
	)
	// Never leave PostgreSQL stopped: Thaw is harmless on a running one.
	t.Cleanup(func() { _ = c.PG.Thaw() })
	rec, stop, err := c.RecordLoad(context.Background(), 2)
	if err != nil {
		t.Fatal(err)
	}
	defer stop()
	time.Sleep(2 * time.Second) // warm: caches filled, connections open

	cut := c.Nodes[2]
	var others []string
	for _, n := range c.Nodes[:2] {
		others = append(others, n.Hosts()...)
	}
	others = append(others, strings.TrimPrefix(c.Gateway.Base, "http://"))

	type fault struct {
		name       string
		down, back func() error
		hit        []string // the targets the fault takes down; nil: all
	}
	faults := []fault{
		{"node 3 cut off from PostgreSQL", func() error { cut.Proxy.Cut(); return nil }, func() error { cut.Proxy.Restore(); return nil }, cut.Hosts()},
		{"PostgreSQL frozen (SIGSTOP)", c.PG.Freeze, c.PG.Thaw, nil},
		{"PostgreSQL shut down and restarted", c.PG.Shutdown, c.PG.Restart, nil},
	}
	var report strings.Builder
	for _, f := range faults {
		if err := f.down(); err != nil {
			t.Fatalf("%s: down: %v", f.name, err)
		}
		downAt := time.Now()
		time.Sleep(outage)
		backStart := time.Now()
		if err := f.back(); err != nil {
			t.Fatalf("%s: back: %v", f.name, err)
		}
		backAt := time.Now()
		time.Sleep(settle)
		end := time.Now()
		s := rec.Samples()

		hitName := "all targets"
		if f.hit != nil {
			hitName = "node 3 (token service and its gateway)"
		}
		rows := []FaultFigures{
			SumFaults(hitName+", during", s, downAt, backAt, f.hit),
			SumFaults(hitName+", after back", s, backAt, end, f.hit),
		}
		if f.hit != nil {
			rows = append(rows,
				SumFaults("nodes 1, 2 and the remote gateway, during", s, downAt, backAt, others),
				SumFaults("nodes 1, 2 and the remote gateway, after back", s, backAt, end, others))
		}
		recov := Recovery(s, backAt, end, f.hit)
		table := FaultTable(rows)
		fmt.Fprintf(&report, "### %s\n\ndown for %v; back took %v; recovered %v after back (last failed request that started after back ended then)\n\n%s\n",
			f.name, backStart.Sub(downAt).Round(time.Millisecond), backAt.Sub(backStart).Round(time.Millisecond),
			recov.Round(time.Millisecond), table)
		t.Logf("%s: down %v, recovery %v\n%s", f.name, backStart.Sub(downAt).Round(time.Millisecond), recov.Round(time.Millisecond), table)

		// The targets.
		for _, r := range rows {
			if r.Slowest > DatabaseTimeout+time.Second {
				t.Errorf("%s: %s: slowest answer %v, past the database timeout %v", f.name, r.Group, r.Slowest, DatabaseTimeout)
			}
		}
		during := rows[0]
		if during.S503 == 0 || during.S503RetryAfter != during.S503 {
			t.Errorf("%s: %d 503s during, %d with Retry-After", f.name, during.S503, during.S503RetryAfter)
		}
		if recov > recover {
			t.Errorf("%s: recovered %v after back, target %v", f.name, recov, recover)
		}
		for _, x := range s {
			if !x.Start.Before(backAt) && x.Start.Before(end) && !x.OK() {
				t.Logf("%s: failed after back: %s on %s, %v after back, took %v, status %d",
					f.name, x.Kind, x.Host, x.Start.Sub(backAt).Round(time.Millisecond), x.Took.Round(time.Millisecond), x.Status)
			}
		}
		if f.hit != nil {
			for _, r := range rows[2:] {
				if r.Requests-r.OK != 0 {
					t.Errorf("%s: %s: %d of %d failed", f.name, r.Group, r.Requests-r.OK, r.Requests)
				}
			}
		}
	}
	stop()
	fmt.Fprintf(&report, "2xx answers a step rejected (counted ok above): %d\n", rec.Rejected)
	t.Logf("step-rejected 2xx answers: %d", rec.Rejected)
	if path := os.Getenv("TOLLGATE_CLUSTER_FAULTS_REPORT"); path != "" {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(report.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
