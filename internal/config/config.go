// Package config holds the server's configuration: its defaults, its
// flags (each also settable as TOLLGATE_<FLAG>) and validation. Config
// types are not storage or API types.
package config

import (
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/pflag"

	"github.com/tollgate-dev/tollgate/internal/clientip"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/gateway/upstream"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// Server configures `tollgate serve`.
type Server struct {
	Addr        string
	GatewayAddr string
	PortOffset  int
	DataDir     string
	Database    string // empty: SQLite in DataDir
	TLSCert     string
	TLSKey      string
	PublicURL   string // base of issuer URLs; empty: derived from Addr
	// GatewayPublicURL is the gateway listener's base URL as clients
	// address it, which their DPoP proofs name; empty: derived from
	// GatewayAddr.
	GatewayPublicURL string
	MasterKeyFile    string // empty: DataDir/master.key
	BootstrapToken   string
	LogFormat        string // json, text, or auto (text on a terminal)
	LogLevel         string
	ShutdownGrace    time.Duration
	// ShutdownDrain is the part of the grace, right after SIGTERM, when
	// the node still accepts but answers /readyz 503 and closes each
	// connection after its response, so that clients leave it on their
	// own before it stops listening (internal/server/drain.go).
	ShutdownDrain time.Duration
	// argon2id cost of password hashes; existing hashes of another cost
	// are upgraded on the next successful login.
	PasswordHashMemoryKiB  uint32
	PasswordHashIterations uint32
	// PasswordMinLength is the fewest characters of a password an admin
	// sets or an import brings in plaintext; 0: the default.
	PasswordMinLength int
	// AuditRetention is how long audit events are kept; 0 keeps them.
	AuditRetention time.Duration
	// AuditSync stores the audit event of each token issued to a user
	// before the answer (audit.Recorder.RecordDurable); false batches it
	// with the rest.
	AuditSync bool
	// DatabaseTimeout bounds every database call; past it the caller
	// gets 503 with Retry-After instead of waiting for a dead database.
	// Zero means the store's default (5 s).
	DatabaseTimeout time.Duration
	// DPoPNonce makes every DPoP proof at the token endpoint carry a nonce
	// the server handed out (RFC 9449 §8), sealed with the master key so
	// any node accepts any node's.
	DPoPNonce bool
	// ConfigFile, when set, is a configuration-as-code file applied at
	// every start: its tenants are created or brought to match it.
	ConfigFile string
	// DebugAddr, when set, serves net/http/pprof on its own listener.
	DebugAddr string
	// SigningAlg is the JWS algorithm of each tenant's first signing key
	// (empty: token.DefaultAlgorithm); a tenant changes its own by
	// rotating to a key of another algorithm.
	SigningAlg string
	// KeyRotation is automatic signing-key rotation (Period 0: off).
	KeyRotation token.RotationPolicy
	// GatewayAllowUpstream lists the CIDRs, addresses and host names
	// beyond the public internet that tenant admins' APIs may reach.
	GatewayAllowUpstream []string
	// TrustedProxies lists the CIDRs and addresses of proxies (load
	// balancers, remote gateways) whose X-Forwarded-For names the client.
	TrustedProxies []string
}

// Flags registers the server's flags with their defaults.
func (c *Server) Flags(fs *pflag.FlagSet) {
	fs.StringVar(&c.Addr, "addr", "127.0.0.1:8080", "address of the token service, admin API and console")
	fs.StringVar(&c.GatewayAddr, "gateway-addr", "127.0.0.1:8243", "address of the API gateway")
	fs.IntVar(&c.PortOffset, "port-offset", 0, "added to both listeners' ports (several servers on one host)")
	fs.StringVar(&c.DataDir, "data-dir", "./tollgate-data", "directory for the SQLite database and the master key")
	fs.StringVar(&c.Database, "database", "", "PostgreSQL URL (postgres://…); default: SQLite in --data-dir")
	fs.DurationVar(&c.DatabaseTimeout, "database-timeout", 5*time.Second, "deadline of each database call (and of connecting); past it requests get 503 with Retry-After")
	fs.StringVar(&c.TLSCert, "tls-cert", "", "PEM certificate file; with --tls-key, serve HTTPS")
	fs.StringVar(&c.TLSKey, "tls-key", "", "PEM private key file for --tls-cert")
	fs.StringVar(&c.PublicURL, "public-url", "", "external base URL used in issuer and endpoint URLs (default: from --addr)")
	fs.StringVar(&c.MasterKeyFile, "master-key-file", "", "file holding the 32-byte master key (default: <data-dir>/master.key); share it between nodes")
	gatewayURLFlag(fs, &c.GatewayPublicURL)
	fs.StringVar(&c.ConfigFile, "config", "", "a configuration file (tollgate export's YAML) to apply at start: "+
		"tenants it names are created or updated to match it, each in one transaction")
	fs.BoolVar(&c.DPoPNonce, "dpop-nonce", false, "require DPoP proofs at the token endpoint to carry a nonce the server "+
		"hands out in DPoP-Nonce (RFC 9449 §8): a proof made ahead of time is then useless")
	fs.StringVar(&c.BootstrapToken, "bootstrap-token", "", "bootstrap admin token (default: generated on first start and printed once)")
	fs.StringVar(&c.LogFormat, "log-format", "auto", "log format: json, text or auto")
	fs.StringVar(&c.LogLevel, "log-level", "info", "log level: debug, info, warn or error")
	shutdownFlags(fs, &c.ShutdownGrace, &c.ShutdownDrain)
	fs.Uint32Var(&c.PasswordHashMemoryKiB, "password-hash-memory", 19*1024, "argon2id memory per password hash, in KiB")
	fs.Uint32Var(&c.PasswordHashIterations, "password-hash-iterations", 2, "argon2id iterations per password hash")
	fs.IntVar(&c.PasswordMinLength, "password-min-length", domain.DefaultPasswordMinLength,
		"fewest characters of a password set by an admin or imported in plaintext (imported hashes are exempt)")
	fs.DurationVar(&c.AuditRetention, "audit-retention", 90*24*time.Hour, "how long audit events are kept (0: forever)")
	fs.BoolVar(&c.AuditSync, "audit-sync", true, "store the audit event of every token issued to a user (password, refresh, "+
		"embed, authorization code) before answering, so that a crash cannot lose it; false batches them with the rest, "+
		"saving a database write per such token")
	fs.StringVar(&c.DebugAddr, "debug-addr", "", "address of a debug listener with net/http/pprof (default: off); keep it private")
	fs.StringVar(&c.SigningAlg, "signing-alg", token.DefaultAlgorithm, "algorithm of each tenant's first signing key: "+
		strings.Join(token.SupportedAlgorithms(), ", ")+" (later: tollgate key rotate --alg)")
	fs.DurationVar(&c.KeyRotation.Period, "key-rotation-period", token.DefaultRotationPeriod,
		"how long each tenant's signing key signs before its successor takes over (0: rotate only by hand)")
	fs.DurationVar(&c.KeyRotation.Prepublish, "key-prepublish", token.DefaultPrepublish,
		"how long the next signing key is published before it signs, so verifiers' cached key sets hold it")
	allowUpstreamFlag(fs, &c.GatewayAllowUpstream)
	trustedProxyFlag(fs, &c.TrustedProxies)
}

// gatewayURLFlag registers --gateway-public-url, shared by serve and
// gateway.
func gatewayURLFlag(fs *pflag.FlagSet, v *string) {
	fs.StringVar(v, "gateway-public-url", "", "external base URL of the gateway listener, which clients' DPoP proofs "+
		"name (default: from --gateway-addr); set it behind a load balancer or TLS terminator")
}

// checkBaseURL checks a base URL flag: empty, or http(s) without query
// or fragment.
func checkBaseURL(flag, v string) error {
	if v == "" {
		return nil
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("%s must be an http(s) URL without query or fragment", flag)
	}
	return nil
}

// allowUpstreamFlag registers --gateway-allow-upstream, shared by serve
// and gateway.
func allowUpstreamFlag(fs *pflag.FlagSet, v *[]string) {
	fs.StringSliceVar(v, "gateway-allow-upstream", nil, "a CIDR, IP address or host name that tenant admins' APIs may reach "+
		"although it is not public (loopback, private, link-local); repeat or separate with commas")
}

// trustedProxyFlag registers --trusted-proxy, shared by serve and gateway.
func trustedProxyFlag(fs *pflag.FlagSet, v *[]string) {
	fs.StringSliceVar(v, "trusted-proxy", nil, "a CIDR or IP address of a load balancer or remote gateway in front of this "+
		"listener, whose X-Forwarded-For names the client (throttling, audit); repeat or separate with commas")
}

// Validate checks the configuration. It changes nothing, so it may run
// any number of times; derived values come from ListenAddr,
// GatewayListenAddr, MasterKeyPath and SigningAlgorithm.
func (c *Server) Validate() error {
	var errs []error
	if _, err := offsetPort(c.Addr, c.PortOffset); err != nil {
		errs = append(errs, fmt.Errorf("--addr: %w", err))
	}
	if _, err := offsetPort(c.GatewayAddr, c.PortOffset); err != nil {
		errs = append(errs, fmt.Errorf("--gateway-addr: %w", err))
	}
	if (c.TLSCert == "") != (c.TLSKey == "") {
		errs = append(errs, errors.New("--tls-cert and --tls-key go together"))
	}
	for flag, v := range map[string]string{"--public-url": c.PublicURL, "--gateway-public-url": c.GatewayPublicURL} {
		if err := checkBaseURL(flag, v); err != nil {
			errs = append(errs, err)
		}
	}
	switch c.LogFormat {
	case "json", "text", "auto":
	default:
		errs = append(errs, errors.New("--log-format must be json, text or auto"))
	}
	var level slog.Level
	if level.UnmarshalText([]byte(c.LogLevel)) != nil {
		errs = append(errs, errors.New("--log-level must be debug, info, warn or error"))
	}
	if err := checkShutdown(c.ShutdownGrace, c.ShutdownDrain); err != nil {
		errs = append(errs, err)
	}
	if c.DatabaseTimeout < 0 {
		errs = append(errs, errors.New("--database-timeout must not be negative"))
	}
	if c.PasswordHashMemoryKiB < 8 || c.PasswordHashIterations < 1 {
		errs = append(errs, errors.New("--password-hash-memory must be at least 8 KiB and --password-hash-iterations at least 1"))
	}
	if c.PasswordMinLength < 0 || c.PasswordMinLength > domain.MaxPasswordBytes {
		errs = append(errs, fmt.Errorf("--password-min-length must be 1 to %d characters", domain.MaxPasswordBytes))
	}
	if _, err := token.ParseAlgorithm(c.signingAlg()); err != nil {
		errs = append(errs, fmt.Errorf("--signing-alg: %w", err))
	}
	if err := c.KeyRotation.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("--key-rotation-period, --key-prepublish: %w", err))
	}
	if err := upstream.CheckAllowList(c.GatewayAllowUpstream); err != nil {
		errs = append(errs, err)
	}
	if _, err := clientip.Parse(c.TrustedProxies); err != nil {
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// ListenAddr is --addr with --port-offset applied.
func (c *Server) ListenAddr() string { return withOffset(c.Addr, c.PortOffset) }

// GatewayListenAddr is --gateway-addr with --port-offset applied.
func (c *Server) GatewayListenAddr() string { return withOffset(c.GatewayAddr, c.PortOffset) }

// MasterKeyPath is --master-key-file, by default master.key in the data
// directory.
func (c *Server) MasterKeyPath() string {
	if c.MasterKeyFile == "" {
		return filepath.Join(c.DataDir, "master.key")
	}
	return c.MasterKeyFile
}

// PasswordMinimum is --password-min-length, by default
// domain.DefaultPasswordMinLength.
func (c *Server) PasswordMinimum() int {
	if c.PasswordMinLength == 0 {
		return domain.DefaultPasswordMinLength
	}
	return c.PasswordMinLength
}

// SigningAlgorithm is --signing-alg in its canonical spelling.
func (c *Server) SigningAlgorithm() string {
	alg, err := token.ParseAlgorithm(c.signingAlg())
	if err != nil {
		return c.SigningAlg // Validate refuses it
	}
	return alg
}

func (c *Server) signingAlg() string {
	if c.SigningAlg == "" {
		return token.DefaultAlgorithm
	}
	return c.SigningAlg
}

// DatabaseDSN is the store's DSN: PostgreSQL if configured, else the
// SQLite file in the data directory.
func (c *Server) DatabaseDSN() string {
	if c.Database != "" {
		return c.Database
	}
	return filepath.Join(c.DataDir, "tollgate.db")
}

// withOffset is offsetPort for a validated address.
func withOffset(addr string, offset int) string {
	if a, err := offsetPort(addr, offset); err == nil {
		return a
	}
	return addr // Validate refuses it
}

// offsetPort adds offset to the port of host:port.
func offsetPort(addr string, offset int) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", err
	}
	p, err := strconv.Atoi(port)
	if err != nil || p < 0 || p+offset > 65535 || p+offset < 0 {
		return "", fmt.Errorf("bad port %q with offset %d", port, offset)
	}
	if p == 0 {
		return addr, nil // an ephemeral port stays ephemeral
	}
	return net.JoinHostPort(host, strconv.Itoa(p+offset)), nil
}

// shutdownFlags registers --shutdown-grace and --shutdown-drain, which
// serve and gateway share.
func shutdownFlags(fs *pflag.FlagSet, grace, drain *time.Duration) {
	fs.DurationVar(grace, "shutdown-grace", 15*time.Second, "how long in-flight requests may run after SIGTERM")
	fs.DurationVar(drain, "shutdown-drain", time.Second, "the first part of --shutdown-grace, when the process "+
		"still serves but fails /readyz and closes every keep-alive connection after its response; set it to your load "+
		"balancer's health-check interval")
}

func checkShutdown(grace, drain time.Duration) error {
	if drain < 0 || drain >= grace && drain > 0 {
		return errors.New("--shutdown-drain must be shorter than --shutdown-grace")
	}
	return nil
}
