package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/apitoken"
	"github.com/tollgate-dev/tollgate/internal/authn"
	"github.com/tollgate-dev/tollgate/internal/clientip"
	"github.com/tollgate-dev/tollgate/internal/config"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/every"
	"github.com/tollgate-dev/tollgate/internal/httpapi"
	"github.com/tollgate-dev/tollgate/internal/httpapi/adminapi"
	"github.com/tollgate-dev/tollgate/internal/httpapi/oauthapi"
	"github.com/tollgate-dev/tollgate/internal/oauth"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/store"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
	"github.com/tollgate-dev/tollgate/internal/throttle"
	"github.com/tollgate-dev/tollgate/internal/token"
)

func newServeCmd() *cobra.Command {
	var cfg config.Server
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the token service, admin API and gateway",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Validate(); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			applyGCDefaults(ctx, os.Getenv, int64(cfg.PasswordHashMemoryKiB)<<10)
			return serve(ctx, &cfg, cmd.OutOrStdout())
		},
	}
	cfg.Flags(cmd.Flags())
	return cmd
}

// maxHeaderBytes bounds the request headers on every listener: real
// requests need a few KiB (an 8 KiB Authorization header at most); a
// megabyte of headers, or thousands of them, is refused with 431.
const maxHeaderBytes = 16 << 10

// app is a wired, listening server.
type app struct {
	cfg   *config.Server
	log   *slog.Logger
	store store.Store
	ln    net.Listener
	http  *http.Server
	base  string // public base URL, the default tenant's issuer

	// apiTokens batches API-token last-use times; run flushes it last.
	apiTokens *apitoken.Verifier
	// obs holds metrics, the audit recorder and the debug listener.
	obs observability
	// gw serves the API gateway on gwLn (serve_gateway.go).
	gw   *http.Server
	gwLn net.Listener
	// proxies are the trusted proxies in front of both listeners.
	proxies *clientip.Trusted
	// jobs are the background loops run starts and stops.
	jobs []job
}

// serve runs the server until ctx ends, then shuts down gracefully.
func serve(ctx context.Context, cfg *config.Server, out io.Writer) error {
	a, err := newApp(ctx, cfg, out)
	if err != nil {
		return err
	}
	return a.run(ctx)
}

// newApp opens the data, wires every component and starts listening.
// Background work it starts ends with ctx.
func newApp(ctx context.Context, cfg *config.Server, out io.Writer) (*app, error) {
	log := newLogger(cfg)
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
	a := &app{cfg: cfg, log: log, store: st}
	a.obs.dbs = st.DBs()
	if err := a.wire(ctx, sealer, out); err != nil {
		st.Close()
		return nil, err
	}
	return a, nil
}

func (a *app) wire(ctx context.Context, sealer *secret.Sealer, out io.Writer) error {
	cfg, st, log := a.cfg, a.store, a.log
	if err := firstStart(ctx, st, cfg, out); err != nil {
		return err
	}
	ln, err := net.Listen("tcp", cfg.ListenAddr())
	if err != nil {
		return err
	}
	a.ln = ln
	a.base = cfg.PublicURL
	if a.base == "" {
		a.base = scheme(cfg) + "://" + ln.Addr().String()
	}
	a.base = strings.TrimSuffix(a.base, "/")

	keys, err := token.NewKeyring(st, sealer, a.base, cfg.SigningAlgorithm())
	if err != nil {
		ln.Close()
		return fmt.Errorf("signing key: %w", err)
	}
	if err := keys.EnsureKey(ctx, domain.DefaultTenant); err != nil {
		ln.Close()
		return fmt.Errorf("signing key: %w", err)
	}
	revoked := token.NewRevocations(st)
	revoked.SetLogger(log)
	if err := revoked.Sync(ctx); err != nil {
		ln.Close()
		return fmt.Errorf("load revocations: %w", err)
	}
	a.jobs = append(a.jobs,
		job{"revocation follow", func(ctx context.Context) { revoked.Follow(ctx, 500*time.Millisecond) }},
		job{"expired-record purge", func(ctx context.Context) { purgeExpired(ctx, st, log) }})

	hashParams := secret.Params{Memory: cfg.PasswordHashMemoryKiB, Time: cfg.PasswordHashIterations, Threads: 1}
	// A queued login waits at most 1 s, so with the hash itself no request
	// waits much over that; the excess gets 503 with Retry-After.
	hasher := secret.NewHasher(hashParams, 0, time.Second)
	events, err := a.startObservability(hasher, revoked)
	if err != nil {
		ln.Close()
		return fmt.Errorf("debug listener: %w", err)
	}
	limiter := throttle.New(st, signinLimits(cfg))
	svc := admin.NewService(st, hasher, keys)
	apiTokens := a.wireAPITokens(svc, revoked)
	// Introspection and the gateway take access and API tokens; the
	// gateway and the HTTP layer resolved the tenant first.
	tokenCreds := authn.New(authn.NewAPITokens(apiTokens), authn.NewAccessTokens(keys.KeySource, revoked, nil))
	srv := oauth.NewServer(oauth.Config{Store: st, Hasher: hasher, Keys: keys, Revoked: revoked, Logger: log, Events: events,
		Sealer: sealer, Limiter: limiter, Credentials: tokenCreds})
	svc.PasswordMinLength = cfg.PasswordMinimum()
	svc.Sealer = sealer // embed secrets
	svc.Limiter = limiter
	svc.OnApplicationChange = srv.ForgetApplication
	svc.OnTenantChange = srv.ForgetTenant
	svc.Events = events
	svc.OnGatewayCredentialDeleted = revoked.Noted // refused here from the next request
	auth := admin.NewAuthenticator(st, keys.KeySource, revoked, apiTokens)
	oauthEndpoints := oauthapi.New(srv, keys, log)
	if a.proxies, err = clientip.Parse(cfg.TrustedProxies); err != nil {
		ln.Close()
		return err
	}
	a.http = &http.Server{
		Handler: a.proxies.Handler(httpapi.New(
			oauthEndpoints,
			adminapi.New(svc, auth, log),
			a.obs.withMetrics(httpapi.NewOps(st, log)),
			log,
		)),
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    maxHeaderBytes,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       120 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	if err := a.wireGateway(ctx, tokenCreds, svc, httpapi.NewGatewayTokenService(oauthEndpoints, log)); err != nil {
		ln.Close()
		return fmt.Errorf("gateway: %w", err)
	}
	return nil
}

// run serves until ctx ends or a listener or job fails, then stops
// accepting, lets in-flight requests finish within the grace period,
// stops the background jobs, writes what is still queued and closes the
// database.
func (a *app) run(ctx context.Context) error {
	defer a.store.Close()
	// Deferred after the store's Close, so it runs first: queued audit
	// events are written once the listeners and jobs have stopped.
	defer a.obs.close(a.log)
	listeners := []listener{
		{srv: a.http, ln: a.ln, cert: a.cfg.TLSCert, key: a.cfg.TLSKey},
		{srv: a.gw, ln: a.gwLn, cert: a.cfg.TLSCert, key: a.cfg.TLSKey},
	}
	if a.obs.debug != nil {
		listeners = append(listeners, listener{srv: a.obs.debug, ln: a.obs.debugL})
	}
	a.log.Info("tollgate serving", "addr", a.ln.Addr().String(), "gateway", a.gwLn.Addr().String(),
		"issuer", a.base, "database", dbKind(a.cfg))
	err := supervise(ctx, a.cfg.ShutdownGrace, listeners, a.jobs)
	fctx, cancel := context.WithTimeout(context.Background(), a.cfg.ShutdownGrace)
	defer cancel()
	a.flushAPITokenUses(fctx)
	return err
}

// firstStart creates the default tenant and sets the bootstrap token: the
// configured one on every start, else a generated one, printed once.
func firstStart(ctx context.Context, st store.Store, cfg *config.Server, out io.Writer) error {
	err := st.CreateTenant(ctx, &domain.Tenant{ID: domain.DefaultTenant, Name: "Default", CreatedAt: time.Now().UTC()})
	if err != nil && !errors.Is(err, domain.ErrConflict) {
		return fmt.Errorf("create default tenant: %w", err)
	}
	if cfg.BootstrapToken != "" {
		return authn.SetBootstrapToken(ctx, st, cfg.BootstrapToken)
	}
	if _, err := st.GetSetting(ctx, authn.BootstrapSettingKey); err == nil {
		return nil
	} else if !errors.Is(err, domain.ErrNotFound) {
		return err
	}
	tok, err := token.NewOpaque(token.PrefixBootstrap)
	if err != nil {
		return err
	}
	if err := authn.SetBootstrapToken(ctx, st, tok); err != nil {
		return err
	}
	// Printed, not logged: logs must never carry a secret.
	fmt.Fprintf(out, "\nBootstrap token (shown once; it can do everything on every tenant):\n\n    %s\n\nexport TOLLGATE_TOKEN=%s\n\n", tok, tok)
	return nil
}

// signinLimits: a single SQLite node is the only writer of its counters,
// so it may trust what it read for a whole window; PostgreSQL nodes share
// them and reread after a second.
func signinLimits(cfg *config.Server) throttle.Limits {
	l := throttle.DefaultLimits()
	if cfg.Database == "" {
		l.Fresh = l.Window
	}
	return l
}

// purgeExpired removes expired tokens, revocations and keys periodically.
func purgeExpired(ctx context.Context, st store.Store, log *slog.Logger) {
	every.Run(ctx, 10*time.Minute, func(ctx context.Context) {
		if n, err := st.DeleteExpired(ctx, time.Now()); err != nil && ctx.Err() == nil {
			log.Warn("purge expired records", "err", err)
		} else if n > 0 {
			log.Debug("purged expired records", "rows", n)
		}
	})
}

func newLogger(cfg *config.Server) *slog.Logger {
	var level slog.Level
	_ = level.UnmarshalText([]byte(cfg.LogLevel))
	opts := &slog.HandlerOptions{Level: level}
	format := cfg.LogFormat
	if format == "auto" {
		format = "json"
		if fi, err := os.Stderr.Stat(); err == nil && fi.Mode()&os.ModeCharDevice != 0 {
			format = "text"
		}
	}
	if format == "text" {
		return slog.New(slog.NewTextHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewJSONHandler(os.Stderr, opts))
}

func scheme(cfg *config.Server) string {
	if cfg.TLSCert != "" {
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
