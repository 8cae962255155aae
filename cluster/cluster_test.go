package cluster

import (
	"os"
	"testing"
)

// newTestCluster starts a cluster for a test, from TOLLGATE_CLUSTER_BIN if
// set (a binary built once for several runs), else built now.
func newTestCluster(t *testing.T) *Cluster {
	if testing.Short() {
		t.Skip("starts PostgreSQL and four tollgate processes")
	}
	return New(t, Options{Binary: os.Getenv("TOLLGATE_CLUSTER_BIN"), Race: raceEnabled})
}

func TestClusterStarts(t *testing.T) {
	c := newTestCluster(t)
	for _, n := range c.Nodes {
		if _, err := c.ClientToken(n); err != nil {
			t.Error(err)
		}
	}
}
