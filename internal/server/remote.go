package server

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/tollgate-dev/tollgate/internal/clientip"
	"github.com/tollgate-dev/tollgate/internal/config"
	"github.com/tollgate-dev/tollgate/internal/every"
	"github.com/tollgate-dev/tollgate/internal/feed"
	"github.com/tollgate-dev/tollgate/internal/gateway"
	"github.com/tollgate-dev/tollgate/internal/gateway/remote"
	"github.com/tollgate-dev/tollgate/internal/gateway/upstream"
	"github.com/tollgate-dev/tollgate/internal/telemetry"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// Gateway is a wired, listening `tollgate gateway`: the API gateway on
// another machine than the token service, fed by its key manager.
type Gateway struct {
	cfg     *config.Gateway
	log     *slog.Logger
	client  *remote.Client
	ops, gw *http.Server
	opsLn   net.Listener
	gwLn    net.Listener
	jobs    []job  // Run supervises them
	drain   *drain // as a node's (drain.go), on the gateway listener
	// stopTracing flushes the spans still queued and stops exporting.
	stopTracing func(context.Context) error
}

// NewGateway wires following the key manager (Run starts it) and
// listens. A key manager that is down at start is not fatal: the gateway
// answers 503 on /readyz (and 404 for every path) until it has been
// reached once.
func NewGateway(cfg *config.Gateway) (*Gateway, error) {
	log := NewLogger(cfg.LogFormat, cfg.LogLevel)
	if !token.CheckOpaque(cfg.Token, token.PrefixGateway) {
		log.Warn("--token is not a gateway credential; the gateway needs only one (tollgate gateway-credential create)")
	}
	client := remote.NewClient(cfg.KeyManagers, cfg.Token, nil)
	// Public keys only: a remote gateway verifies and never signs.
	keys := token.NewKeySource(client, cfg.Issuer())
	revoked := token.NewRevocations(client, log)
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	obs := observability{reg: reg}
	tokens, err := client.TokenService() // /token and /revoke on the gateway's port
	if err != nil {
		return nil, err
	}
	stopTracing, err := telemetry.Setup(context.Background(), "tollgate-gateway")
	if err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	rg := &Gateway{cfg: cfg, log: log, client: client, drain: newDrain(cfg.ShutdownDrain), stopTracing: stopTracing}
	if rg.opsLn, err = net.Listen("tcp", cfg.ListenAddr()); err != nil {
		return nil, err
	}
	if rg.gwLn, err = net.Listen("tcp", cfg.GatewayListenAddr()); err != nil {
		rg.opsLn.Close()
		return nil, err
	}
	// Closed twice on SIGTERM: by the drain, then by Shutdown.
	rg.gwLn = &onceCloseListener{Listener: rg.gwLn}
	closeAll := func() { rg.opsLn.Close(); rg.gwLn.Close() }
	policy, err := upstream.NewPolicy(cfg.GatewayAllowUpstream, rg.opsLn.Addr(), rg.gwLn.Addr())
	if err != nil {
		closeAll()
		return nil, err
	}
	verifier := remote.NewVerifier(keys, revoked, client)
	g := gateway.New(gateway.Config{Source: client, Verifier: verifier, Logger: log, Observe: obs.gatewayMetrics(), Upstreams: policy,
		PublicURL: cmp.Or(strings.TrimSuffix(cfg.GatewayPublicURL, "/"), scheme(cfg.TLSCert)+"://"+rg.gwLn.Addr().String())})
	// The followers' first catch-up loads the revocations, and the APIs
	// (domain.ChangeAll); until the key manager answers, the gateway
	// serves nothing. Long polls: each request waits on the key manager
	// for news, so the followers loop without a pause of their own.
	changes := feed.New(client, log, keys.Changed, verifier.Changed, g.Changed)
	rg.jobs = append(rg.jobs,
		job{"revocation follow", func(ctx context.Context) { revoked.Follow(ctx, 0, nil) }},
		job{"change follow", func(ctx context.Context) { changes.Run(ctx, 0, nil) }},
		job{"key manager watch", rg.watch})
	errLog := slog.NewLogLogger(log.Handler(), slog.LevelWarn)
	rg.ops = &http.Server{Handler: rg.opsMux(reg), ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: maxHeaderBytes, ErrorLog: errLog}
	proxies, err := clientip.Parse(cfg.TrustedProxies)
	if err != nil {
		closeAll()
		return nil, err
	}
	rg.gw = &http.Server{Handler: telemetry.Handler(rg.drain.Handler(proxies.Handler(gateway.WithTokenService(g, tokens))), "gateway"),
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    maxHeaderBytes, IdleTimeout: 120 * time.Second, ErrorLog: errLog}
	return rg, nil
}

// readyz is 200 while the key manager answers and 503 while the gateway
// serves from its last known state.
func (rg *Gateway) readyz(w http.ResponseWriter, _ *http.Request) {
	lastOK, err := rg.client.Status()
	body := map[string]any{"status": "ok", "keyManager": rg.client.Current()}
	if !lastOK.IsZero() {
		body["lastContact"] = lastOK.UTC().Format(time.RFC3339Nano)
	}
	status := http.StatusOK
	switch {
	case rg.drain.draining():
		status = http.StatusServiceUnavailable
		body["status"] = "shutting down"
	case err != nil || lastOK.IsZero():
		status = http.StatusServiceUnavailable
		body["status"] = "key manager unreachable; serving the last known APIs, keys and revocations"
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}

// watch logs when the key manager goes away and comes back.
func (rg *Gateway) watch(ctx context.Context) {
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

// GatewayAddr and OpsAddr are the bound addresses of the gateway and of
// the health and metrics listener.
func (rg *Gateway) GatewayAddr() net.Addr { return rg.gwLn.Addr() }
func (rg *Gateway) OpsAddr() net.Addr     { return rg.opsLn.Addr() }

// URL is the gateway listener's base URL.
func (rg *Gateway) URL() string { return scheme(rg.cfg.TLSCert) + "://" + rg.gwLn.Addr().String() }

// Run serves until ctx ends or a listener or job fails, then drains the
// gateway listener as a node does (its keep-alive clients leave without a
// reset; /readyz answers 503 meanwhile), lets in-flight requests finish
// within the grace period and stops the jobs.
func (rg *Gateway) Run(ctx context.Context) error {
	rg.log.Info("gateway serving", "addr", rg.gwLn.Addr().String(), "key_managers", rg.cfg.KeyManagers)
	drain := func(ctx context.Context) { rg.drain.run(ctx, rg.gwLn) }
	err := supervise(ctx, rg.cfg.ShutdownGrace, drain, []listener{
		{srv: rg.gw, ln: rg.gwLn, cert: rg.cfg.TLSCert, key: rg.cfg.TLSKey},
		{srv: rg.ops, ln: rg.opsLn},
	}, append(rg.jobs, gcJobs(os.Getenv, 0)...)) // the gateway hashes no passwords
	fctx, cancel := context.WithTimeout(context.Background(), rg.cfg.ShutdownGrace)
	defer cancel()
	if terr := rg.stopTracing(fctx); terr != nil {
		rg.log.Warn("flushing spans", "err", terr)
	}
	return err
}
