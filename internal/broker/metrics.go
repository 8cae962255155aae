package broker

import "github.com/prometheus/client_golang/prometheus"

// Hand-out results, the values of the result label.
const (
	resultMemory    = "memory"    // this node's cached token
	resultDB        = "db"        // the token another node (or an earlier run) stored
	resultRefreshed = "refreshed" // a token just obtained from the upstream
	resultStale     = "stale"     // the old, still valid token while the upstream fails
)

// metrics of the broker. Label values come from fixed sets: results and
// our own error codes, never the upstream's (an upstream must not be able
// to grow the series without end).
type metrics struct {
	handouts        *prometheus.CounterVec
	upstreamCalls   prometheus.Counter
	upstreamSeconds prometheus.Histogram
	failures        *prometheus.CounterVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	m := &metrics{
		handouts: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_broker_handouts_total",
			Help: "Upstream tokens the broker handed out, by where they came from: memory, db (cache hits), refreshed, stale (old token while the upstream fails).",
		}, []string{"result"}),
		upstreamCalls: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tollgate_broker_upstream_requests_total",
			Help: "Token requests the broker sent to upstream providers.",
		}),
		upstreamSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tollgate_broker_upstream_duration_seconds",
			Help:    "Time upstream providers took to answer a token request.",
			Buckets: prometheus.ExponentialBuckets(0.01, 2.5, 8),
		}),
		failures: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_broker_failures_total",
			Help: "Failed attempts to obtain an upstream token, by error code.",
		}, []string{"code"}),
	}
	if reg != nil {
		reg.MustRegister(m.handouts, m.upstreamCalls, m.upstreamSeconds, m.failures)
	}
	return m
}
