package pgtest

import (
	"errors"
	"syscall"
	"testing"
)

// Cluster is a running throwaway PostgreSQL cluster, for programs that are
// not tests (the load benchmark) and so cannot use NewDatabase. It is the
// same cluster the tests get: initdb into a temp dir, loopback only, fsync
// off, run as the postgres user when we are root.
type Cluster struct{ c *cluster }

// Start initialises and starts a cluster on a free loopback port. The
// caller must Stop it; if the calling process dies first, postgres is
// killed with it.
func Start() (*Cluster, error) {
	c, err := start()
	if err != nil {
		return nil, err
	}
	return &Cluster{c: c}, nil
}

// DSN is the URL of database db (the "postgres" database always exists).
func (c *Cluster) DSN(db string) string { return c.c.dsn(db) }

// Stop shuts the cluster down and removes its data directory.
func (c *Cluster) Stop() error { return c.c.stop() }

// Shutdown stops the server (a fast shutdown: sessions are ended) and
// keeps its data, so Restart can bring it back: a database outage.
func (c *Cluster) Shutdown() error { return c.c.shutdown() }

// Restart starts a shut-down server again on the same port and data.
func (c *Cluster) Restart() error {
	if c.c.cmd != nil {
		return errors.New("pgtest: the cluster is running")
	}
	return c.c.run()
}

// Freeze stops the server and all its backends with SIGSTOP: connections
// stay open and nothing answers, as when a database host hangs.
func (c *Cluster) Freeze() error { return c.c.signal(syscall.SIGSTOP) }

// Thaw resumes a frozen server (SIGCONT).
func (c *Cluster) Thaw() error { return c.c.signal(syscall.SIGCONT) }

// Outage is one way the database goes away, and how it comes back.
type Outage struct {
	Name       string
	Down, Back func() error
}

// Outages are the ways a test can take the cluster down: frozen (Freeze,
// Thaw) and shut down (Shutdown, Restart).
func (c *Cluster) Outages() []Outage {
	return []Outage{{"frozen", c.Freeze, c.Thaw}, {"shut down", c.Shutdown, c.Restart}}
}

// PID is the postmaster's process id; its backends are its children.
func (c *Cluster) PID() int { return c.c.cmd.Process.Pid }

// NewCluster starts a private cluster for a test that takes its database
// down (Shutdown, Freeze), which must not touch other tests' databases;
// it is stopped at cleanup. It skips unless TOLLGATE_TEST_POSTGRES=1.
func NewCluster(t testing.TB) *Cluster {
	t.Helper()
	if !Enabled() {
		t.Skipf("PostgreSQL tests disabled: set %s=1", EnvVar)
	}
	c, err := Start()
	if err != nil {
		t.Fatalf("pgtest: %v", err)
	}
	t.Cleanup(func() {
		if err := c.Stop(); err != nil {
			t.Errorf("pgtest: %v", err)
		}
	})
	return c
}
