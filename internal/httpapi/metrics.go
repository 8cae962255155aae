package httpapi

import (
	"net"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/tollgate-dev/tollgate/internal/audit"
	"github.com/tollgate-dev/tollgate/internal/httpapi/reqid"
)

// Metrics measures the main listener's requests and serves the registry
// on /metrics. A dedicated registry (not the global one) keeps servers in
// one test process apart.
type Metrics struct {
	reg     *prometheus.Registry
	latency *prometheus.HistogramVec

	mu  sync.RWMutex
	obs map[obsKey]prometheus.Observer
}

type obsKey struct {
	pattern string
	code    int
}

// NewMetrics registers the request metrics with reg.
func NewMetrics(reg *prometheus.Registry) *Metrics {
	m := &Metrics{
		reg: reg,
		latency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "tollgate_http_request_duration_seconds",
			Help: "Latency of the main listener's requests by route pattern and status code.",
			// From a cached client_credentials token (~100 µs) to a
			// queued password hash (~1 s).
			Buckets: []float64{.0001, .00025, .0005, .001, .0025, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5},
		}, []string{"endpoint", "code"}),
		obs: map[obsKey]prometheus.Observer{},
	}
	reg.MustRegister(m.latency)
	return m
}

// Handler serves the registry in the Prometheus text format.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.reg, promhttp.HandlerOpts{Registry: m.reg})
}

// instrument times next, which must be the ServeMux itself: the mux sets
// r.Pattern on the request it is given, and the pattern, not the raw
// path, is the label, so tenants and ids cannot blow up the series.
func (m *Metrics) instrument(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		sw := &statusWriter{ResponseWriter: w, code: http.StatusOK}
		next.ServeHTTP(sw, r)
		m.observer(r.Pattern, sw.code).Observe(time.Since(start).Seconds())
	})
}

// observer caches the histogram children: the vector's own lookup
// allocates on every call.
func (m *Metrics) observer(pattern string, code int) prometheus.Observer {
	if pattern == "" {
		pattern = "unmatched"
	}
	k := obsKey{pattern, code}
	m.mu.RLock()
	o := m.obs[k]
	m.mu.RUnlock()
	if o == nil {
		o = m.latency.WithLabelValues(pattern, strconv.Itoa(code))
		m.mu.Lock()
		m.obs[k] = o
		m.mu.Unlock()
	}
	return o
}

type statusWriter struct {
	http.ResponseWriter
	code  int
	wrote bool
}

func (w *statusWriter) WriteHeader(code int) {
	if !w.wrote {
		w.code, w.wrote = code, true
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	w.wrote = true
	return w.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection's writer.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// withOrigin records the request id and the caller's address for audit
// events of the use cases the request reaches.
func withOrigin(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		o := &audit.Origin{RequestID: reqid.From(r.Context()), RemoteAddr: r.RemoteAddr}
		if host, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
			o.RemoteAddr = host
		}
		next.ServeHTTP(w, r.WithContext(audit.WithOrigin(r.Context(), o)))
	})
}
