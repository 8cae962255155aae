package main

import (
	"context"
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/spf13/cobra"

	"github.com/tollgate-dev/tollgate/internal/clientip"
	"github.com/tollgate-dev/tollgate/internal/config"
	"github.com/tollgate-dev/tollgate/internal/every"
	"github.com/tollgate-dev/tollgate/internal/gateway"
	"github.com/tollgate-dev/tollgate/internal/gateway/remote"
	"github.com/tollgate-dev/tollgate/internal/gateway/upstream"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// revocationFollowEvery spaces the long polls of the revocation feed;
// with the key manager's 200 ms check, a revocation arrives within
// about half a second.
const revocationFollowEvery = 100 * time.Millisecond

func newGatewayCmd() *cobra.Command {
	var cfg config.Gateway
	cmd := &cobra.Command{
		Use:   "gateway",
		Short: "Run only the API gateway, fed by a token service elsewhere",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := cfg.Validate(); err != nil {
				return err
			}
			ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
			defer stop()
			applyGCDefaults(ctx, os.Getenv, 0) // the gateway hashes no passwords
			g, err := newRemoteGateway(ctx, &cfg)
			if err != nil {
				return err
			}
			return g.run(ctx)
		},
	}
	cfg.Flags(cmd.Flags())
	return cmd
}

// remoteGateway is a wired, listening `tollgate gateway`.
type remoteGateway struct {
	cfg     *config.Gateway
	log     *slog.Logger
	client  *remote.Client
	ops, gw *http.Server
	opsLn   net.Listener
	gwLn    net.Listener
	jobs    []job // run starts and stops them
}

// newRemoteGateway wires following the key manager (run starts it) and
// listens. A key
// manager that is down at start is not fatal: the gateway answers 503 on
// /readyz (and 404 for every path) until it has been reached once.
func newRemoteGateway(ctx context.Context, cfg *config.Gateway) (*remoteGateway, error) {
	log := newLogger(&config.Server{LogFormat: cfg.LogFormat, LogLevel: cfg.LogLevel})
	if !token.CheckOpaque(cfg.Token, token.PrefixGateway) {
		log.Warn("--token is not a gateway credential; the gateway needs only one (tollgate gateway-credential create)")
	}
	client := remote.NewClient(cfg.KeyManager, cfg.Token, nil)
	// Public keys only: a remote gateway verifies and never signs.
	keys := token.NewKeySource(client, cfg.Issuer())
	revoked := token.NewRevocations(client)
	revoked.SetLogger(log)
	if err := revoked.Sync(ctx); err != nil {
		log.Warn("key manager unreachable at start; serving nothing until it answers", "err", err)
	}

	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	obs := observability{reg: reg}
	tokens, err := client.TokenService() // /token and /revoke on the gateway's port
	if err != nil {
		return nil, err
	}
	rg := &remoteGateway{cfg: cfg, log: log, client: client}
	rg.jobs = append(rg.jobs, job{"revocation follow", func(ctx context.Context) { revoked.Follow(ctx, revocationFollowEvery) }})
	if rg.opsLn, err = net.Listen("tcp", cfg.ListenAddr()); err != nil {
		return nil, err
	}
	if rg.gwLn, err = net.Listen("tcp", cfg.GatewayListenAddr()); err != nil {
		rg.opsLn.Close()
		return nil, err
	}
	policy, err := upstream.NewPolicy(cfg.GatewayAllowUpstream, rg.opsLn.Addr(), rg.gwLn.Addr())
	if err != nil {
		rg.opsLn.Close()
		rg.gwLn.Close()
		return nil, err
	}
	g := gateway.New(gateway.Config{
		Source: client, Verifier: remote.NewVerifier(keys, revoked, client), Logger: log, Observe: obs.gatewayMetrics(),
		Upstreams: policy,
	})
	if err := g.Reload(ctx); err != nil {
		log.Warn("no API definitions yet", "err", err)
	}
	rg.jobs = append(rg.jobs,
		job{"gateway reload", func(ctx context.Context) { g.Run(ctx, gatewayReloadEvery) }},
		job{"key manager watch", rg.watch})
	mux := http.NewServeMux()
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	mux.HandleFunc("GET /readyz", rg.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	errLog := slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	rg.ops = &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: maxHeaderBytes, ErrorLog: errLog}
	proxies, err := clientip.Parse(cfg.TrustedProxies)
	if err != nil {
		rg.opsLn.Close()
		rg.gwLn.Close()
		return nil, err
	}
	rg.gw = &http.Server{Handler: proxies.Handler(gateway.WithTokenService(g, tokens)), ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes: maxHeaderBytes, IdleTimeout: 120 * time.Second, ErrorLog: errLog}
	return rg, nil
}

// readyz is 200 while the key manager answers and 503 while the gateway
// serves from its last known state.
func (rg *remoteGateway) readyz(w http.ResponseWriter, _ *http.Request) {
	lastOK, err := rg.client.Status()
	body := map[string]any{"status": "ok", "keyManager": rg.cfg.KeyManager}
	if !lastOK.IsZero() {
		body["lastContact"] = lastOK.UTC().Format(time.RFC3339Nano)
	}
	status := http.StatusOK
	if err != nil || lastOK.IsZero() {
		status = http.StatusServiceUnavailable
		body["status"] = "key manager unreachable; serving the last known APIs, keys and revocations"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// watch logs when the key manager goes away and comes back.
func (rg *remoteGateway) watch(ctx context.Context) {
	down := false
	every.Run(ctx, time.Second, func(context.Context) {
		_, err := rg.client.Status()
		switch {
		case err != nil && !down:
			rg.log.Warn("key manager unreachable; serving the last known state", "err", err)
		case err == nil && down:
			rg.log.Info("key manager reachable again; caught up")
		}
		down = err != nil
	})
}

// baseURL is the gateway listener's URL.
func (rg *remoteGateway) baseURL() string {
	s := "http"
	if rg.cfg.TLSCert != "" {
		s = "https"
	}
	return s + "://" + rg.gwLn.Addr().String()
}

// run serves until ctx ends or a listener or job fails, then stops
// accepting, lets in-flight requests finish within the grace period and
// stops the jobs.
func (rg *remoteGateway) run(ctx context.Context) error {
	rg.log.Info("gateway serving", "addr", rg.gwLn.Addr().String(), "key_manager", rg.cfg.KeyManager)
	return supervise(ctx, rg.cfg.ShutdownGrace, []listener{
		{srv: rg.gw, ln: rg.gwLn, cert: rg.cfg.TLSCert, key: rg.cfg.TLSKey},
		{srv: rg.ops, ln: rg.opsLn},
	}, rg.jobs)
}
