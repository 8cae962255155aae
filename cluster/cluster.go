// Package cluster runs Tollgate as production does, for reliability
// tests (issue 17): three `tollgate serve` processes on one throwaway
// PostgreSQL, sharing a master key and a public URL as behind a load
// balancer, each reaching the database through a TCP proxy a test can cut,
// and one remote `tollgate gateway` process following the second node
// (the third when the second fails). It seeds a fixture, drives mixed load
// over every node (RunLoad) and measures how long a change made on one
// node takes to be in effect on the others (MeasurePropagation).
package cluster

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
)

const (
	// Bootstrap is the admin token every node is started with.
	Bootstrap = "tgb_cluster-harness-bootstrap-token-0123456789"
	// PublicURL is the issuer all nodes share. Nothing resolves it:
	// clients talk to each node's own address, as a load balancer would
	// send them, and it only has to be the same in every token.
	PublicURL = "http://tollgate.cluster.test"
)

// Options configure New.
type Options struct {
	// Binary is a built tollgate; empty builds one into the test's
	// temporary directory (with the race detector when Race is set).
	Binary string
	Race   bool
}

// Cluster is a running cluster; New stops all of it at the test's end.
type Cluster struct {
	PG      *pgtest.Cluster
	Nodes   []*Node // Nodes[0] is where changes are made
	Gateway *Gateway
	Fixture Fixture

	bin     string
	pgAddr  string
	http    *http.Client
	closers []func() // in-process servers, closed after the processes
	// measurements counts MeasurePropagation's runs (kinds.go).
	measurements int
}

// New starts PostgreSQL, three nodes and the remote gateway, and seeds
// the fixture; it fails the test if any of it does not come up. It skips
// unless TOLLGATE_TEST_POSTGRES=1.
func New(t testing.TB, o Options) *Cluster {
	t.Helper()
	dir := t.TempDir()
	c := &Cluster{bin: o.Binary, http: &http.Client{Timeout: 10 * time.Second}}
	// A private PostgreSQL: fault tests stop and freeze it.
	c.PG = pgtest.NewCluster(t)
	u, err := url.Parse(c.PG.DSN("postgres"))
	if err != nil {
		t.Fatal(err)
	}
	c.pgAddr = u.Host
	if c.bin == "" {
		if c.bin, err = Build(dir, o.Race); err != nil {
			t.Fatal(err)
		}
	}
	t.Cleanup(func() {
		if err := c.stopAll(); err != nil {
			t.Errorf("cluster: %v", err)
		}
	})
	for i := range 3 {
		n, err := newNode(c, fmt.Sprintf("node%d", i+1), dir)
		if err != nil {
			t.Fatal(err)
		}
		c.Nodes = append(c.Nodes, n)
	}
	// Node 1 first, alone: it creates the shared master key and migrates
	// the database; the others then start together.
	if err := startAll(c.Nodes[:1]); err != nil {
		t.Fatal(err)
	}
	if err := startAll(c.Nodes[1:]); err != nil {
		t.Fatal(err)
	}
	if err := c.seed(); err != nil {
		t.Fatalf("seed: %v", err)
	}
	if c.Gateway, err = newGateway(c, dir, c.Nodes[1], c.Nodes[2]); err != nil {
		t.Fatal(err)
	}
	if err := c.Gateway.Start(); err != nil {
		t.Fatalf("gateway: %v", err)
	}
	if err := c.waitGateways(); err != nil {
		t.Fatal(err)
	}
	return c
}

// stopAll stops the gateway, then the nodes, then the proxies, each with
// SIGTERM; PostgreSQL is stopped by pgtest's own cleanup, after this one.
func (c *Cluster) stopAll() error {
	var errs []error
	if c.Gateway != nil {
		errs = append(errs, c.Gateway.Stop())
	}
	for _, n := range c.Nodes {
		if err := n.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", n.Name, err))
		}
		errs = append(errs, n.Proxy.Close())
	}
	for _, f := range c.closers {
		f()
	}
	return errors.Join(errs...)
}

// startAll starts nodes concurrently and waits until all are ready.
func startAll(nodes []*Node) error {
	errs := make([]error, len(nodes))
	var wg sync.WaitGroup
	for i, n := range nodes {
		wg.Go(func() {
			if err := n.Start(); err != nil {
				errs[i] = fmt.Errorf("%s: %w", n.Name, err)
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// GatewayURLs are the bases of every gateway: each node's and the remote.
func (c *Cluster) GatewayURLs() []string {
	var out []string
	for _, n := range c.Nodes {
		out = append(out, n.Gateway)
	}
	return append(out, c.Gateway.Base)
}

// waitGateways waits until every gateway routes the fixture's API, so
// load and measurements start from a settled cluster.
func (c *Cluster) waitGateways() error {
	tok, err := c.ClientToken(c.Nodes[0])
	if err != nil {
		return err
	}
	for _, g := range c.GatewayURLs() {
		deadline := time.Now().Add(30 * time.Second)
		for c.GatewayStatus(g, tok) != http.StatusOK {
			if time.Now().After(deadline) {
				return fmt.Errorf("gateway %s does not route %s within 30 s", g, apiPath)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	return nil
}
