package server

import (
	"context"
	"strconv"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/gateway"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// storeAPIs is the in-process gateway's Source.
type storeAPIs struct{ st store.Store }

func (s storeAPIs) APIs(ctx context.Context) ([]domain.API, error) { return s.st.AllAPIs(ctx) }

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
