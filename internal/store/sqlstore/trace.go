package sqlstore

import (
	"context"
	"strings"

	"go.opentelemetry.io/otel/attribute"

	"github.com/tollgate-dev/tollgate/internal/telemetry"
)

// traced starts the span of a statement, a child of the caller's, and
// returns cancel extended to end it; with tracing off, cancel itself.
// The statement's text carries placeholders, never the values.
func traced(ctx context.Context, d *dialect, query string, cancel context.CancelFunc) context.CancelFunc {
	if !telemetry.Enabled() {
		return cancel
	}
	system := "sqlite"
	if d.postgres {
		system = "postgresql"
	}
	op, _, _ := strings.Cut(strings.TrimSpace(query), " ")
	_, span := telemetry.Start(ctx, "db", strings.ToUpper(op))
	span.SetAttributes(attribute.String("db.system.name", system), attribute.String("db.query.text", query))
	return func() {
		cancel()
		span.End()
	}
}
