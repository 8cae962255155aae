package cluster

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// The short form (make test) takes 10 samples per change kind and checks
// only that each change takes effect; TOLLGATE_CLUSTER_SAMPLES=200 (make
// cluster-test) is the full run, which also checks the targets and
// writes the figures to TOLLGATE_CLUSTER_REPORT if set.
const fullSamples = 200

// newTestCluster starts a cluster for a test, from TOLLGATE_CLUSTER_BIN if
// set (a binary built once for several runs), else built now.
func newTestCluster(t *testing.T) *Cluster {
	if testing.Short() {
		t.Skip("starts PostgreSQL and four tollgate processes")
	}
	return New(t, Options{Binary: os.Getenv("TOLLGATE_CLUSTER_BIN"), Race: raceEnabled})
}

// TestCluster starts one cluster, sends the mixed load over it and then
// measures propagation: one start-up for both keeps make test short.
func TestCluster(t *testing.T) {
	c := newTestCluster(t)
	samples := 10
	if s, err := strconv.Atoi(os.Getenv("TOLLGATE_CLUSTER_SAMPLES")); err == nil && s > 0 {
		samples = s
	}
	t.Run("load", func(t *testing.T) {
		res, err := c.RunLoad(context.Background(), LoadConfig{WorkersPerKind: 2, Warmup: 200 * time.Millisecond, Duration: time.Second})
		t.Logf("mixed load over %d nodes and %d gateways:\n%s", len(c.Nodes), len(c.GatewayURLs()), Summary(res))
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range LoadKinds {
			if r := res[k]; r == nil || r.Requests == 0 || r.Failed() > 0 {
				t.Errorf("%s: %+v", k, r)
			}
		}
	})
	t.Run("restart", func(t *testing.T) {
		// The control fault tests use: a node killed, or stopped, comes
		// back on its own addresses and serves again.
		n := c.Nodes[2]
		for name, down := range map[string]func() error{"kill": n.Kill, "stop": n.Stop} {
			if err := down(); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if _, err := c.ClientToken(n); err == nil {
				t.Fatalf("after %s the node still answers", name)
			}
			if err := n.Start(); err != nil {
				t.Fatalf("start after %s: %v", name, err)
			}
			if _, err := c.ClientToken(n); err != nil {
				t.Fatalf("after %s and start: %v", name, err)
			}
		}
	})
	var report strings.Builder
	measure := func(t *testing.T, title string) {
		figs, err := c.MeasurePropagation(samples)
		table := Table(figs)
		t.Logf("propagation %s, %d samples per change:\n%s", title, samples, table)
		fmt.Fprintf(&report, "### %s\n\n%s\n", title, table)
		if err != nil {
			t.Fatal(err)
		}
		if samples < fullSamples {
			return
		}
		for _, f := range figs {
			if err := f.Check(); err != nil {
				t.Error(err)
			}
		}
	}
	t.Run("propagation", func(t *testing.T) { measure(t, "on an idle cluster") })
	// Under the mixed load too (the short form checks only that each
	// change takes effect): the load's own figures are not checked here,
	// since the API definition change makes the gateway refuse the
	// load's requests while it lasts.
	t.Run("propagation under load", func(t *testing.T) {
		rec, stop, err := c.RecordLoad(context.Background(), 2)
		if err != nil {
			t.Fatal(err)
		}
		defer stop()
		measure(t, "under the mixed load (2 workers per kind)")
		stop()
		ok := 0
		all := rec.Samples()
		for _, s := range all {
			if s.OK() {
				ok++
			}
		}
		fmt.Fprintf(&report, "The load meanwhile: %d requests, %d answered 2xx.\n", len(all), ok)
	})
	if path := os.Getenv("TOLLGATE_CLUSTER_REPORT"); path != "" && samples >= fullSamples {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(report.String()), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}
