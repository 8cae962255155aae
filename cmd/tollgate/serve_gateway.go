package main

import (
	"context"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/authn"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/gateway"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// gatewayReloadEvery is how soon a gateway sees API changes made through
// another node's admin API; changes made here apply at once.
const gatewayReloadEvery = 2 * time.Second

// storeAPIs is the in-process gateway's Source.
type storeAPIs struct{ st store.Store }

func (s storeAPIs) APIs(ctx context.Context) ([]domain.API, error) { return s.st.AllAPIs(ctx) }

// wireGateway builds the gateway on its own listener, which also serves
// tokens, the token service's token and revocation endpoints. It checks
// tokens with creds, as introspection does, so a revocation or a deleted
// API token is refused from the next request. It follows API changes made
// here through svc at once and others' every few seconds.
func (a *app) wireGateway(ctx context.Context, creds *authn.Authenticator, svc *admin.Service, tokens http.Handler) error {
	ln, err := net.Listen("tcp", a.cfg.GatewayListenAddr())
	if err != nil {
		return err
	}
	a.gwLn = ln
	svc.Upstreams, err = a.upstreamPolicy() // knows the listeners, now all bound
	if err != nil {
		ln.Close()
		return err
	}
	g := gateway.New(gateway.Config{
		Source:    storeAPIs{a.store},
		Verifier:  creds,
		Logger:    a.log,
		Observe:   a.obs.gatewayMetrics(),
		Upstreams: svc.Upstreams,
	})
	if err := g.Reload(ctx); err != nil {
		ln.Close()
		return err
	}
	svc.OnAPIChange = func() {
		rctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := g.Reload(rctx); err != nil {
			a.log.Warn("gateway reload after an API change failed; the periodic reload will retry", "err", err)
		}
	}
	a.jobs = append(a.jobs, job{"gateway reload", func(ctx context.Context) { g.Run(ctx, gatewayReloadEvery) }})
	feedDone := make(chan struct{})
	svc.FeedDone = feedDone
	a.http.RegisterOnShutdown(func() { close(feedDone) })
	a.gw = &http.Server{
		Handler:           a.proxies.Handler(gateway.WithTokenService(g, tokens)),
		ReadHeaderTimeout: 10 * time.Second,
		MaxHeaderBytes:    maxHeaderBytes,
		IdleTimeout:       120 * time.Second,
		// No read or write timeout: bodies stream both ways for as long
		// as the upstream and the caller keep them going.
		ErrorLog: slog.NewLogLogger(a.log.Handler(), slog.LevelWarn),
	}
	return nil
}

// gatewayBase is the gateway's base URL.
func (a *app) gatewayBase() string {
	return scheme(a.cfg) + "://" + a.gwLn.Addr().String()
}

// gatewayMetrics registers the gateway's metrics and returns the
// function that records one request.
func (o *observability) gatewayMetrics() func(gateway.Outcome) {
	requests := prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "tollgate_gateway_requests_total",
		Help: "Gateway requests by API, resource, decision (allowed, public, 400, 401, 403, 404, 405, 503) and upstream status (0: not forwarded).",
	}, []string{"api", "resource", "decision", "upstream_status"})
	added := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "tollgate_gateway_added_latency_seconds",
		Help: "Time the gateway spends on a request before it reaches the upstream (or until it is refused).",
		// 25 µs … 100 ms: local JWT checks are tens of µs, an API-token
		// cache miss a database round trip.
		Buckets: prometheus.ExponentialBuckets(25e-6, 2, 13),
	}, []string{"decision"})
	if o.reg != nil {
		o.reg.MustRegister(requests, added)
	}
	return func(out gateway.Outcome) {
		requests.WithLabelValues(out.API, out.Resource, out.Decision, strconv.Itoa(out.UpstreamStatus)).Inc()
		added.WithLabelValues(out.Decision).Observe(out.Added.Seconds())
	}
}
