package telemetry

import (
	"bytes"
	"context"
	"log/slog"
	"net/http"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/trace"
)

// TestOff: with tracing off, nothing is wrapped and no span is made.
func TestOff(t *testing.T) {
	if Enabled() {
		t.Skip("tracing is on in this process")
	}
	h := http.RedirectHandler("/", http.StatusFound)
	if Handler(h, "http") != h || Transport(http.DefaultTransport) != http.DefaultTransport {
		t.Fatal("wrapped while off")
	}
	ctx, span := Start(context.Background(), "x", "y")
	if span.IsRecording() || trace.SpanContextFromContext(ctx).IsValid() {
		t.Fatal("a span while off")
	}
	End(span, context.Canceled) // safe
	if testing.AllocsPerRun(100, func() {
		_, s := Start(ctx, "grant", "password")
		End(s, nil)
	}) != 0 {
		t.Fatal("Start allocates while off")
	}
}

// TestLogHandler: a record written with a traced context names the trace
// and the span; one without does not.
func TestLogHandler(t *testing.T) {
	var buf bytes.Buffer
	log := slog.New(LogHandler{slog.NewTextHandler(&buf, nil)}).With("component", "test")
	tid, _ := trace.TraceIDFromHex("4bf92f3577b34da6a3ce929d0e0e4736")
	sid, _ := trace.SpanIDFromHex("00f067aa0ba902b7")
	ctx := trace.ContextWithSpanContext(context.Background(), trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid}))
	log.InfoContext(ctx, "traced", "request_id", "r1")
	log.Info("plain")
	lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
	if !strings.Contains(lines[0], "request_id=r1 trace_id=4bf92f3577b34da6a3ce929d0e0e4736 span_id=00f067aa0ba902b7") ||
		strings.Contains(lines[1], "trace_id") {
		t.Fatalf("log lines: %q", lines)
	}
}
