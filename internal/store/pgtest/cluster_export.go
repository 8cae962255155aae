package pgtest

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

// PID is the postmaster's process id; its backends are its children.
func (c *Cluster) PID() int { return c.c.cmd.Process.Pid }
