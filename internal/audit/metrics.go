package audit

import (
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Metrics counts events for Prometheus. Every label value comes from a
// fixed set (grant types, error codes, actions) except tenant, which only
// names existing tenants: events are emitted after the tenant resolved.
type Metrics struct {
	reg          prometheus.Registerer
	tokens       *prometheus.CounterVec
	events       *prometheus.CounterVec
	dropped      prometheus.Counter
	flushSeconds prometheus.Histogram

	mu     sync.RWMutex
	byKey  map[tokenKey]prometheus.Counter
	others map[[2]string]prometheus.Counter
}

type tokenKey struct{ tenant, grant, outcome, reason string }

// NewMetrics registers the event metrics with reg.
func NewMetrics(reg prometheus.Registerer) *Metrics {
	m := &Metrics{
		reg: reg,
		tokens: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_tokens_total",
			Help: "Token requests by tenant, grant type and outcome (issued or refused); reason is the OAuth error code of a refusal.",
		}, []string{"tenant", "grant", "outcome", "reason"}),
		events: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "tollgate_audit_events_total",
			Help: "Audited events other than token requests (revocations, introspections, admin changes) by action and outcome.",
		}, []string{"action", "outcome"}),
		dropped: prometheus.NewCounter(prometheus.CounterOpts{
			Name: "tollgate_audit_events_dropped_total",
			Help: "Audit events lost because the queue stayed full or the final write failed.",
		}),
		flushSeconds: prometheus.NewHistogram(prometheus.HistogramOpts{
			Name:    "tollgate_audit_flush_duration_seconds",
			Help:    "Time to write one batch of audit events.",
			Buckets: prometheus.ExponentialBuckets(0.0005, 4, 8),
		}),
		byKey:  map[tokenKey]prometheus.Counter{},
		others: map[[2]string]prometheus.Counter{},
	}
	reg.MustRegister(m.tokens, m.events, m.dropped, m.flushSeconds)
	return m
}

func (m *Metrics) watchRecorder(r *Recorder) {
	m.reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{
		Name: "tollgate_audit_queue_length",
		Help: "Audit events waiting to be written.",
	}, func() float64 { return float64(r.Pending()) }))
}

var knownGrants = map[string]bool{
	domain.GrantPassword: true, domain.GrantClientCredentials: true,
	domain.GrantRefreshToken: true, domain.GrantEmbedSecret: true, domain.GrantAuthorizationCode: true,
}

// observe counts e. The counters are cached in a plain map, because the
// vector's own lookup allocates its label slice on every call.
func (m *Metrics) observe(e *Event) {
	if e.Action != domain.ActionToken {
		k := [2]string{e.Action, e.Outcome}
		m.mu.RLock()
		c := m.others[k]
		m.mu.RUnlock()
		if c == nil {
			c = m.events.WithLabelValues(k[0], k[1])
			m.mu.Lock()
			m.others[k] = c
			m.mu.Unlock()
		}
		c.Inc()
		return
	}
	k := tokenKey{e.Tenant, e.Grant, "issued", e.Reason}
	if !knownGrants[k.grant] {
		k.grant = "other" // unsupported_grant_type names whatever the caller sent
	}
	if e.Outcome != domain.OutcomeSuccess {
		k.outcome = "refused"
	}
	m.mu.RLock()
	c := m.byKey[k]
	m.mu.RUnlock()
	if c == nil {
		c = m.tokens.WithLabelValues(k.tenant, k.grant, k.outcome, k.reason)
		m.mu.Lock()
		m.byKey[k] = c
		m.mu.Unlock()
	}
	c.Inc()
}
