// Package audit owns Tollgate's record of what happened: audit events
// (issuance, refusal, revocation, admin change), the recorder that writes
// them to the store in batches, and the Prometheus metrics counted from
// the same events.
package audit

import (
	"context"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Event is one audit record; the store assigns its ID.
type Event = domain.AuditEvent

// Sink receives events. Record must be cheap: it runs on every token
// request. RecordDurable returns once the event is stored, for events a
// crash must not lose (see Recorder).
type Sink interface {
	Record(Event)
	RecordDurable(context.Context, Event)
}

// Origin is where a request came from. HTTP middleware puts it in the
// request's context so use cases deep below can stamp their events
// without every signature carrying it.
type Origin struct {
	RequestID  string
	RemoteAddr string
}

type originKey struct{}

// WithOrigin returns ctx carrying o.
func WithOrigin(ctx context.Context, o *Origin) context.Context {
	return context.WithValue(ctx, originKey{}, o)
}

// OriginFrom returns the origin in ctx, or a zero one.
func OriginFrom(ctx context.Context) Origin {
	if o, ok := ctx.Value(originKey{}).(*Origin); ok {
		return *o
	}
	return Origin{}
}
