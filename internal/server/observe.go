package server

import (
	"context"
	"database/sql"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/tollgate-dev/tollgate/internal/audit"
	"github.com/tollgate-dev/tollgate/internal/every"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/store"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// observability is the server's metrics registry, audit recorder and
// optional debug listener.
type observability struct {
	dbs      map[string]*sql.DB // pools to report, by role
	reg      *prometheus.Registry
	recorder *audit.Recorder
	debug    *http.Server
	debugL   net.Listener // bound by listen, served by Run
}

// startObservability registers the metrics, starts the audit recorder,
// adds its retention purge to the jobs, builds the debug listener's
// server and returns the sink the use cases send events to.
func (s *Server) startObservability(hasher *secret.Hasher, revoked *token.Revocations) audit.Sink {
	o := &s.obs
	if o.debugL != nil {
		o.debug = &http.Server{Handler: debugMux(), ReadHeaderTimeout: 10 * time.Second, MaxHeaderBytes: maxHeaderBytes}
	}
	o.reg = prometheus.NewRegistry()
	o.reg.MustRegister(
		collectors.NewGoCollector(),
		collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tollgate_password_hash_queue_depth",
			Help: "Logins waiting for a password-hashing slot.",
		}, func() float64 { return float64(hasher.QueueDepth()) }),
		prometheus.NewGaugeFunc(prometheus.GaugeOpts{
			Name: "tollgate_revocations_held",
			Help: "Revoked tokens and sessions this node holds in memory until they expire.",
		}, func() float64 { return float64(revoked.Len()) }),
	)
	for role, db := range o.dbs {
		o.reg.MustRegister(collectors.NewDBStatsCollector(db, role))
	}
	o.recorder = audit.NewRecorder(s.store, audit.Options{Metrics: audit.NewMetrics(o.reg), Logger: s.log,
		DurableWait: s.cfg.DatabaseTimeout, BatchAll: !s.cfg.AuditSync})
	if retention := s.cfg.AuditRetention; retention > 0 { // 0 keeps them
		s.jobs = append(s.jobs, job{"audit purge", func(ctx context.Context) { purgeAudit(ctx, s.store, retention, s.log) }})
	}
	return o.recorder
}

// close runs after the HTTP server stopped: it writes the audit events
// still queued, then stops the debug listener.
func (o *observability) close(log *slog.Logger) {
	if o.recorder != nil {
		_ = o.recorder.Close()
		if n := o.recorder.Dropped(); n > 0 {
			log.Warn("audit events dropped", "events", n)
		}
	}
	if o.debug != nil {
		_ = o.debug.Close()
	}
}

// purgeAudit deletes audit events older than retention, hourly (and once
// at start), until ctx ends.
func purgeAudit(ctx context.Context, st store.Store, retention time.Duration, log *slog.Logger) {
	purge := func(ctx context.Context) {
		if n, err := st.DeleteAuditBefore(ctx, time.Now().Add(-retention)); err != nil && ctx.Err() == nil {
			log.Warn("purge audit events", "err", err)
		} else if n > 0 {
			log.Debug("purged audit events", "rows", n)
		}
	}
	purge(ctx)
	every.Run(ctx, time.Hour, purge)
}
