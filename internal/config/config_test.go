package config

import (
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spf13/pflag"
)

func parse(t *testing.T, args ...string) (*Server, error) {
	t.Helper()
	var c Server
	fs := pflag.NewFlagSet("t", pflag.ContinueOnError)
	c.Flags(fs)
	if err := fs.Parse(args); err != nil {
		t.Fatal(err)
	}
	return &c, c.Validate()
}

func TestDefaults(t *testing.T) {
	c, err := parse(t)
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:8080" || c.GatewayAddr != "127.0.0.1:8243" {
		t.Fatalf("addresses: %s %s", c.Addr, c.GatewayAddr)
	}
	if c.DatabaseDSN() != "tollgate-data/tollgate.db" || c.MasterKeyPath() != "tollgate-data/master.key" {
		t.Fatalf("paths: %s %s", c.DatabaseDSN(), c.MasterKeyPath())
	}
	if c.DatabaseTimeout != 5*time.Second {
		t.Fatalf("database timeout: %v", c.DatabaseTimeout)
	}
	if c.KeyRotation.Period != 90*24*time.Hour || c.KeyRotation.Prepublish != 24*time.Hour {
		t.Fatalf("key rotation: %+v", c.KeyRotation)
	}
}

func TestPortOffset(t *testing.T) {
	c, err := parse(t, "--port-offset", "10")
	if err != nil {
		t.Fatal(err)
	}
	if c.ListenAddr() != "127.0.0.1:8090" || c.GatewayListenAddr() != "127.0.0.1:8253" {
		t.Fatalf("offset not applied: %s %s", c.ListenAddr(), c.GatewayListenAddr())
	}
}

// TestValidateChangesNothing: validating twice (as serve and a test
// helper may) neither adds --port-offset again nor fills in anything.
func TestValidateChangesNothing(t *testing.T) {
	c, err := parse(t, "--port-offset", "10", "--signing-alg", "eddsa", "--gateway-allow-upstream", "10.0.0.0/8,Svc.Internal")
	if err != nil {
		t.Fatal(err)
	}
	before := *c
	before.GatewayAllowUpstream = slices.Clone(c.GatewayAllowUpstream) // caught if changed in place too
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(*c, before) {
		t.Fatalf("second Validate changed the config:\n%+v\n%+v", before, *c)
	}
	if c.Addr != "127.0.0.1:8080" || c.ListenAddr() != "127.0.0.1:8090" || c.GatewayListenAddr() != "127.0.0.1:8253" {
		t.Errorf("addresses %s → %s, %s", c.Addr, c.ListenAddr(), c.GatewayListenAddr())
	}
	if c.SigningAlg != "eddsa" || c.SigningAlgorithm() != "EdDSA" || c.MasterKeyFile != "" || c.MasterKeyPath() != "tollgate-data/master.key" {
		t.Errorf("derived values: %q %q %q %q", c.SigningAlg, c.SigningAlgorithm(), c.MasterKeyFile, c.MasterKeyPath())
	}

	g := Gateway{Addr: "127.0.0.1:8080", GatewayAddr: "127.0.0.1:8243", PortOffset: 5, KeyManagers: []string{"http://km"}, Token: "t",
		GatewayAllowUpstream: []string{"10.0.0.0/8", "Svc.Internal"}}
	gBefore := g
	gBefore.GatewayAllowUpstream = slices.Clone(g.GatewayAllowUpstream)
	gBefore.KeyManagers = slices.Clone(g.KeyManagers)
	for range 2 {
		if err := g.Validate(); err != nil {
			t.Fatal(err)
		}
	}
	if !reflect.DeepEqual(g, gBefore) || g.ListenAddr() != "127.0.0.1:8085" || g.GatewayListenAddr() != "127.0.0.1:8248" || g.Issuer() != "http://km" {
		t.Errorf("gateway config after two Validates: %+v → %s %s %s", g, g.ListenAddr(), g.GatewayListenAddr(), g.Issuer())
	}
}

func TestInvalid(t *testing.T) {
	for name, args := range map[string][]string{
		"tls cert without key":       {"--tls-cert", "c.pem"},
		"bad public url":             {"--public-url", "ftp://x"},
		"port overflow":              {"--port-offset", "70000"},
		"bad log format":             {"--log-format", "xml"},
		"address without port":       {"--addr", "localhost"},
		"bad log level":              {"--log-level", "loud"},
		"zero hash iterations":       {"--password-hash-iterations", "0"},
		"negative password minimum":  {"--password-min-length", "-1"},
		"password minimum over 1024": {"--password-min-length", "1025"},
		"signing alg HS256":          {"--signing-alg", "HS256"},
		"signing alg none":           {"--signing-alg", "none"},
		"negative db timeout":        {"--database-timeout", "-1s"},
		"prepublish over period":     {"--key-rotation-period", "24h", "--key-prepublish", "48h"},
		"negative rotation period":   {"--key-rotation-period", "-1h"},
		"no pre-publication":         {"--key-prepublish", "0s"},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := parse(t, args...); err == nil || strings.TrimSpace(err.Error()) == "" {
				t.Fatalf("want an error for %v", args)
			}
		})
	}
}

func TestSigningAlg(t *testing.T) {
	for in, want := range map[string]string{"": "ES256", "ES256": "ES256", "eddsa": "EdDSA", "RS256": "RS256"} {
		args := []string{}
		if in != "" {
			args = []string{"--signing-alg", in}
		}
		c, err := parse(t, args...)
		if err != nil || c.SigningAlgorithm() != want {
			t.Errorf("--signing-alg %q: %q, %v; want %q", in, c.SigningAlgorithm(), err, want)
		}
	}
	_, err := parse(t, "--signing-alg", "ES384")
	if err == nil || !strings.Contains(err.Error(), "--signing-alg") || !strings.Contains(err.Error(), "ES256, EdDSA, RS256") {
		t.Fatalf("error does not name the flag and the supported algorithms: %v", err)
	}
	// Set in code (as the tests do) rather than by flag: empty is the default.
	c := Server{Addr: "127.0.0.1:0", GatewayAddr: "127.0.0.1:0", LogFormat: "text", LogLevel: "info",
		PasswordHashMemoryKiB: 64, PasswordHashIterations: 1}
	if err := c.Validate(); err != nil || c.SigningAlgorithm() != "ES256" {
		t.Fatalf("zero SigningAlg: %q %v", c.SigningAlgorithm(), err)
	}
}

// `tollgate gateway` beside `tollgate serve` on one host, both on their
// defaults: the gateway's ops listener must not take serve's port.
func TestGatewayOpsAddrDoesNotClashWithServe(t *testing.T) {
	var s Server
	var g Gateway
	s.Flags(pflag.NewFlagSet("serve", pflag.ContinueOnError))
	g.Flags(pflag.NewFlagSet("gateway", pflag.ContinueOnError))
	if g.Addr == s.Addr {
		t.Fatalf("gateway --addr defaults to serve's %s", s.Addr)
	}
}

func TestPasswordMinLength(t *testing.T) {
	for args, want := range map[string]int{"": 8, "12": 12, "1": 1} {
		var c *Server
		var err error
		if args == "" {
			c, err = parse(t)
		} else {
			c, err = parse(t, "--password-min-length", args)
		}
		if err != nil || c.PasswordMinimum() != want {
			t.Errorf("--password-min-length %q: %d, %v; want %d", args, c.PasswordMinimum(), err, want)
		}
	}
	if c := (Server{}); c.PasswordMinimum() != 8 {
		t.Errorf("zero config: minimum %d, want the default 8", c.PasswordMinimum())
	}
}

// TestGatewayKeyManagers: --key-manager takes several nodes, comma-separated
// or repeated, each an http(s) URL; the issuer defaults to the first; the
// drain defaults like serve's and must be shorter than the grace.
func TestGatewayKeyManagers(t *testing.T) {
	gateway := func(args ...string) (*Gateway, error) {
		var g Gateway
		fs := pflag.NewFlagSet("gateway", pflag.ContinueOnError)
		g.Flags(fs)
		if err := fs.Parse(append([]string{"--token", "t"}, args...)); err != nil {
			t.Fatal(err)
		}
		return &g, g.Validate()
	}
	g, err := gateway("--key-manager", "http://n1:8080,http://n2:8080", "--key-manager", "https://n3")
	if err != nil || len(g.KeyManagers) != 3 || g.Issuer() != "http://n1:8080" || g.ShutdownDrain != time.Second {
		t.Fatalf("%v: %q issuer %q drain %v", err, g.KeyManagers, g.Issuer(), g.ShutdownDrain)
	}
	for _, args := range [][]string{
		{},
		{"--key-manager", "http://n1,ftp://n2"},
		{"--key-manager", "http://n1", "--shutdown-drain", "20s"},
	} {
		if _, err := gateway(args...); err == nil {
			t.Errorf("%q accepted", args)
		}
	}
}
