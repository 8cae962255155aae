// Package server builds a Tollgate server from its configuration and runs
// it: it opens the data, wires every component through its constructor,
// binds the listeners and supervises them and the background jobs under
// one errgroup. `tollgate serve` and `tollgate gateway` are its two
// entry points (New and NewGateway); cmd/tollgate holds only flags and
// the CLI.
package server

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/apitoken"
	"github.com/tollgate-dev/tollgate/internal/clientip"
	"github.com/tollgate-dev/tollgate/internal/config"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/store"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
	"github.com/tollgate-dev/tollgate/internal/telemetry"
)

// maxHeaderBytes bounds the request headers on every listener: real
// requests need a few KiB (an 8 KiB Authorization header at most); a
// megabyte of headers, or thousands of them, is refused with 431.
const maxHeaderBytes = 16 << 10

// Server is a wired, listening token service, admin API and gateway.
type Server struct {
	cfg   *config.Server
	log   *slog.Logger
	store store.Store
	base  string // public base URL, the default tenant's issuer

	ln, gwLn net.Listener
	http, gw *http.Server
	// apiTokens batches API-token last-use times; Run flushes it last.
	apiTokens *apitoken.Verifier
	// obs holds metrics, the audit recorder and the debug listener.
	obs observability
	// proxies are the trusted proxies in front of both listeners.
	proxies *clientip.Trusted
	// jobs are the background loops Run supervises.
	jobs []job
	// draining is closed when the listeners start shutting down, to end
	// the gateway feed's long polls.
	draining chan struct{}
	// drain runs between SIGTERM and the listeners' shutdown, so that
	// keep-alive clients leave without a reset.
	drain *drain
	// stopTracing flushes the spans still queued and stops exporting.
	stopTracing func(context.Context) error
}

// New opens the data, binds the listeners and wires every component;
// Run serves them.
func New(ctx context.Context, cfg *config.Server, out io.Writer) (*Server, error) {
	log := NewLogger(cfg.LogFormat, cfg.LogLevel)
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, fmt.Errorf("data dir: %w", err)
	}
	masterKey, err := secret.LoadOrCreateMasterKey(cfg.MasterKeyPath())
	if err != nil {
		return nil, fmt.Errorf("master key: %w", err)
	}
	sealer, err := secret.NewSealer(masterKey)
	if err != nil {
		return nil, err
	}
	st, err := sqlstore.Open(ctx, cfg.DatabaseDSN(), sqlstore.WithTimeout(cfg.DatabaseTimeout))
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	stopTracing, err := telemetry.Setup(ctx, "tollgate")
	if err != nil {
		st.Close()
		return nil, fmt.Errorf("tracing: %w", err)
	}
	s := &Server{cfg: cfg, log: log, store: st, draining: make(chan struct{}),
		drain: newDrain(cfg.ShutdownDrain), stopTracing: stopTracing}
	s.obs.dbs = st.DBs()
	if err := s.listen(); err != nil {
		st.Close()
		return nil, err
	}
	if err := s.wire(ctx, sealer, out); err != nil {
		s.closeListeners()
		st.Close()
		_ = stopTracing(ctx)
		return nil, err
	}
	return s, nil
}

// listen binds the main, gateway and debug listeners first, so the
// upstream policy knows every address of this process.
func (s *Server) listen() error {
	var err error
	if s.ln, err = net.Listen("tcp", s.cfg.ListenAddr()); err != nil {
		return err
	}
	if s.gwLn, err = net.Listen("tcp", s.cfg.GatewayListenAddr()); err != nil {
		s.closeListeners()
		return fmt.Errorf("gateway: %w", err)
	}
	// Closed twice on SIGTERM: by the drain, then by Shutdown.
	s.ln, s.gwLn = &onceCloseListener{Listener: s.ln}, &onceCloseListener{Listener: s.gwLn}
	if s.cfg.DebugAddr != "" {
		if s.obs.debugL, err = net.Listen("tcp", s.cfg.DebugAddr); err != nil {
			s.closeListeners()
			return fmt.Errorf("debug listener: %w", err)
		}
		s.log.Info("debug listener (pprof)", "addr", s.obs.debugL.Addr().String())
	}
	s.base = s.cfg.PublicURL
	if s.base == "" {
		s.base = scheme(s.cfg.TLSCert) + "://" + s.ln.Addr().String()
	}
	s.base = strings.TrimSuffix(s.base, "/")
	return nil
}

func (s *Server) closeListeners() {
	for _, ln := range []net.Listener{s.ln, s.gwLn, s.obs.debugL} {
		if ln != nil {
			ln.Close()
		}
	}
}

// Run serves until ctx ends or a listener or job fails, then stops
// accepting, lets in-flight requests finish within the grace period,
// stops the background jobs, writes what is still queued and closes the
// database.
func (s *Server) Run(ctx context.Context) error {
	defer s.store.Close()
	// Deferred after the store's Close, so it runs first: queued audit
	// events are written once the listeners and jobs have stopped.
	defer s.obs.close(s.log)
	listeners := []listener{
		{srv: s.http, ln: s.ln, cert: s.cfg.TLSCert, key: s.cfg.TLSKey},
		{srv: s.gw, ln: s.gwLn, cert: s.cfg.TLSCert, key: s.cfg.TLSKey},
	}
	if s.obs.debug != nil {
		listeners = append(listeners, listener{srv: s.obs.debug, ln: s.obs.debugL})
	}
	s.log.Info("tollgate serving", "addr", s.ln.Addr().String(), "gateway", s.gwLn.Addr().String(),
		"issuer", s.base, "database", dbKind(s.cfg))
	jobs := append(s.jobs, gcJobs(os.Getenv, int64(s.cfg.PasswordHashMemoryKiB)<<10)...)
	drain := func(ctx context.Context) { s.drain.run(ctx, s.ln, s.gwLn) }
	err := supervise(ctx, s.cfg.ShutdownGrace, drain, listeners, jobs)
	fctx, cancel := context.WithTimeout(context.Background(), s.cfg.ShutdownGrace)
	defer cancel()
	s.flushAPITokenUses(fctx)
	if terr := s.stopTracing(fctx); terr != nil {
		s.log.Warn("flushing spans", "err", terr)
	}
	return err
}

// URL is the server's public base URL, the default tenant's issuer.
func (s *Server) URL() string { return s.base }

// Addr and GatewayAddr are the bound addresses of the main and gateway
// listeners.
func (s *Server) Addr() net.Addr        { return s.ln.Addr() }
func (s *Server) GatewayAddr() net.Addr { return s.gwLn.Addr() }

// GatewayURL is the gateway listener's public base URL: the configured
// one, or that of its address.
func (s *Server) GatewayURL() string {
	return cmp.Or(strings.TrimSuffix(s.cfg.GatewayPublicURL, "/"), scheme(s.cfg.TLSCert)+"://"+s.gwLn.Addr().String())
}

// Store is the server's store, for tests that look behind the API.
func (s *Server) Store() store.Store { return s.store }

// FlushAPITokenUses writes the API-token uses noted so far.
func (s *Server) FlushAPITokenUses(ctx context.Context) error { return s.apiTokens.Flush(ctx) }

// NewLogger returns the logger of format ("json", "text" or "auto": text
// on a terminal) at level.
func NewLogger(format, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	opts := &slog.HandlerOptions{Level: l}
	if format == "auto" {
		format = "json"
		if fi, err := os.Stderr.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			format = "text"
		}
	}
	var h slog.Handler = slog.NewJSONHandler(os.Stderr, opts)
	if format == "text" {
		h = slog.NewTextHandler(os.Stderr, opts)
	}
	if telemetry.Configured() {
		h = telemetry.LogHandler{Handler: h} // trace_id beside request_id
	}
	return slog.New(h)
}

func scheme(tlsCert string) string {
	if tlsCert != "" {
		return "https"
	}
	return "http"
}

func dbKind(cfg *config.Server) string {
	if cfg.Database != "" {
		return "postgres"
	}
	return "sqlite"
}
