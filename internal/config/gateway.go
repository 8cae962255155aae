package config

import (
	"errors"
	"fmt"
	"net/url"
	"time"

	"github.com/spf13/pflag"

	"github.com/tollgate-dev/tollgate/internal/clientip"
	"github.com/tollgate-dev/tollgate/internal/gateway/upstream"
)

// Gateway configures `tollgate gateway`, the gateway alone on a machine
// of its own, fed by a token service (the key manager).
type Gateway struct {
	Addr        string // healthz, readyz, metrics
	GatewayAddr string
	PortOffset  int
	TLSCert     string
	TLSKey      string
	KeyManagers []string // the token service's nodes: base URLs, the first that answers is used
	Token       string   // a gateway credential, or the bootstrap token
	IssuerURL   string   // token service's public URL; default the first key manager
	// GatewayPublicURL: see Server.GatewayPublicURL.
	GatewayPublicURL string
	LogFormat        string
	LogLevel         string
	ShutdownGrace    time.Duration
	ShutdownDrain    time.Duration // see Server.ShutdownDrain
	// GatewayAllowUpstream: see Server.GatewayAllowUpstream.
	GatewayAllowUpstream []string
	// TrustedProxies: see Server.TrustedProxies.
	TrustedProxies []string
}

// Flags registers the gateway's flags on fs.
func (c *Gateway) Flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8081", "address of /healthz, /readyz and /metrics (not 8080, so it runs beside serve)")
	fs.StringVar(&c.GatewayAddr, "gateway-addr", "127.0.0.1:8243", "address of the API gateway")
	fs.IntVar(&c.PortOffset, "port-offset", 0, "added to both listeners' ports")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "PEM certificate file; with --tls-key, the gateway serves HTTPS")
	fs.StringVar(&c.TLSKey, "tls-key", "", "PEM private key file for --tls-cert")
	fs.StringSliceVar(&c.KeyManagers, "key-manager", nil, "base URL of the token service to follow (required); "+
		"name several of its nodes, comma-separated or repeated, and the gateway moves to the next when one fails")
	fs.StringVar(&c.Token, "token", "", "a gateway credential (tollgate gateway-credential create) or the bootstrap token (required)")
	fs.StringVar(&c.IssuerURL, "issuer-url", "", "the token service's --public-url, if not --key-manager")
	gatewayURLFlag(fs, &c.GatewayPublicURL)
	fs.StringVar(&c.LogFormat, "log-format", "auto", "json, text or auto")
	fs.StringVar(&c.LogLevel, "log-level", "info", "debug, info, warn or error")
	shutdownFlags(fs, &c.ShutdownGrace, &c.ShutdownDrain)
	allowUpstreamFlag(fs, &c.GatewayAllowUpstream)
	trustedProxyFlag(fs, &c.TrustedProxies)
}

// Validate checks the configuration; like Server's, it changes nothing.
func (c *Gateway) Validate() error {
	if len(c.KeyManagers) == 0 {
		return errors.New("--key-manager is required: the token service's http(s) URL")
	}
	for _, km := range c.KeyManagers {
		u, err := url.Parse(km)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("--key-manager %q must be the token service's http(s) URL", km)
		}
	}
	if c.Token == "" {
		return errors.New("--token is required")
	}
	if err := checkBaseURL("--gateway-public-url", c.GatewayPublicURL); err != nil {
		return err
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		return errors.New("--tls-cert and --tls-key go together")
	}
	if _, err := offsetPort(c.Addr, c.PortOffset); err != nil {
		return fmt.Errorf("--addr: %w", err)
	}
	if _, err := offsetPort(c.GatewayAddr, c.PortOffset); err != nil {
		return fmt.Errorf("--gateway-addr: %w", err)
	}
	if _, err := clientip.Parse(c.TrustedProxies); err != nil {
		return err
	}
	if err := checkShutdown(c.ShutdownGrace, c.ShutdownDrain); err != nil {
		return err
	}
	return upstream.CheckAllowList(c.GatewayAllowUpstream)
}

// ListenAddr is --addr with --port-offset applied.
func (c *Gateway) ListenAddr() string { return withOffset(c.Addr, c.PortOffset) }

// GatewayListenAddr is --gateway-addr with --port-offset applied.
func (c *Gateway) GatewayListenAddr() string { return withOffset(c.GatewayAddr, c.PortOffset) }

// Issuer is --issuer-url, by default the first --key-manager.
func (c *Gateway) Issuer() string {
	if c.IssuerURL == "" {
		return c.KeyManagers[0]
	}
	return c.IssuerURL
}
