package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/tollgate-dev/tollgate/internal/httpapi/reqid"
)

// Pinger is what readiness needs of the store.
type Pinger interface {
	Ping(ctx context.Context) error
}

// Ops serves liveness and readiness.
type Ops struct {
	db  Pinger
	log *slog.Logger
	// metrics, when set, serves /metrics and times every request.
	metrics *Metrics
	// draining is closed once the node is stopping: readiness fails
	// first, so load balancers stop sending before it stops listening.
	draining <-chan struct{}
}

// NewOps returns the operational endpoints; metrics may be nil (no
// /metrics, no request timing), and so may draining (never draining).
func NewOps(db Pinger, log *slog.Logger, metrics *Metrics, draining <-chan struct{}) *Ops {
	return &Ops{db: db, log: log, metrics: metrics, draining: draining}
}

// Healthz answers while the process serves requests.
func (o *Ops) Healthz(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	_, _ = w.Write([]byte("ok\n"))
}

// Readyz answers 200 only when the database is reachable and the node
// is not stopping.
func (o *Ops) Readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	select {
	case <-o.draining:
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("draining\n"))
		return
	default:
	}
	if err := o.db.Ping(ctx); err != nil {
		o.log.WarnContext(ctx, "readiness: database unreachable", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		_, _ = w.Write([]byte("database unreachable\n"))
		return
	}
	_, _ = w.Write([]byte("ok\n"))
}

// recoverPanics turns a handler panic into a logged 500 instead of a
// dropped connection.
func recoverPanics(next http.Handler, log *slog.Logger) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				log.ErrorContext(r.Context(), "panic in handler", "path", r.URL.Path, "panic", v, "request_id", reqid.From(r.Context()))
				http.Error(w, "internal error", http.StatusInternalServerError)
			}
		}()
		next.ServeHTTP(w, r)
	})
}
