package cluster

import (
	"fmt"
	"path/filepath"
	"strings"
)

// Node is one `tollgate serve` process. It reaches PostgreSQL through its
// own Proxy, so a test can cut it off alone; its listen addresses stay
// the same across Stop and Start.
type Node struct {
	Process
	Name    string
	Base    string // http://host:port of the token service and admin API
	Gateway string // http://host:port of its in-process gateway
	Proxy   *Proxy
}

// newNode prepares node name of c (not started): its addresses, its
// proxy to PostgreSQL and its command line.
func newNode(c *Cluster, name, dir string) (*Node, error) {
	addr, gwAddr, err := twoFreeAddrs()
	if err != nil {
		return nil, err
	}
	proxy, err := NewProxy(c.pgAddr)
	if err != nil {
		return nil, err
	}
	n := &Node{Name: name, Base: "http://" + addr, Gateway: "http://" + gwAddr, Proxy: proxy}
	n.Process = Process{
		bin: c.bin, logPath: filepath.Join(dir, name+".log"), readyURL: n.Base + "/readyz",
		env: []string{"TOLLGATE_BOOTSTRAP_TOKEN=" + Bootstrap},
		args: []string{"serve", "--addr", addr, "--gateway-addr", gwAddr,
			"--database", fmt.Sprintf("postgres://postgres@%s/postgres?sslmode=disable", proxy.Addr()),
			"--data-dir", filepath.Join(dir, name), "--master-key-file", filepath.Join(dir, "master.key"),
			"--public-url", PublicURL, "--log-format", "json", "--log-level", "warn", "--shutdown-grace", "5s",
			// The harness measures the cluster, not argon2id: a cheap
			// hash keeps the password grant from dominating the machine.
			"--password-hash-memory", "64", "--password-hash-iterations", "1",
			// The test's upstream listens on loopback.
			"--gateway-allow-upstream", "127.0.0.1"},
	}
	return n, nil
}

// Gateway is the remote `tollgate gateway` process, following the nodes
// given (the first while it answers).
type Gateway struct {
	Process
	Base string // http://host:port of the gateway listener
}

func newGateway(c *Cluster, dir string, follow ...*Node) (*Gateway, error) {
	addr, gwAddr, err := twoFreeAddrs()
	if err != nil {
		return nil, err
	}
	g := &Gateway{Base: "http://" + gwAddr}
	g.Process = Process{
		bin: c.bin, logPath: filepath.Join(dir, "gateway.log"), readyURL: "http://" + addr + "/readyz",
		args: []string{"gateway", "--addr", addr, "--gateway-addr", gwAddr, "--key-manager", strings.Join(baseURLs(follow), ","),
			"--token", Bootstrap, "--issuer-url", PublicURL, "--log-format", "json", "--log-level", "warn",
			"--shutdown-grace", "5s", "--gateway-allow-upstream", "127.0.0.1"},
	}
	return g, nil
}

// baseURLs is the nodes' base URLs.
func baseURLs(nodes []*Node) []string {
	out := make([]string, len(nodes))
	for i, n := range nodes {
		out[i] = n.Base
	}
	return out
}
