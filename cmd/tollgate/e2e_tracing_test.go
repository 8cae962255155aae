package main

import (
	"encoding/hex"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	coltrace "go.opentelemetry.io/proto/otlp/collector/trace/v1"
	tracepb "go.opentelemetry.io/proto/otlp/trace/v1"
	"google.golang.org/protobuf/proto"
)

// otlpReceiver is an OTLP/HTTP trace receiver: it keeps every span sent
// to /v1/traces.
type otlpReceiver struct {
	mu    sync.Mutex
	spans []*tracepb.Span
}

func (o *otlpReceiver) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	var req coltrace.ExportTraceServiceRequest
	if r.URL.Path != "/v1/traces" || proto.Unmarshal(body, &req) != nil {
		http.Error(w, "bad export", http.StatusBadRequest)
		return
	}
	o.mu.Lock()
	for _, rs := range req.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			o.spans = append(o.spans, ss.Spans...)
		}
	}
	o.mu.Unlock()
	w.Header().Set("Content-Type", "application/x-protobuf")
	b, _ := proto.Marshal(&coltrace.ExportTraceServiceResponse{})
	_, _ = w.Write(b)
}

// named returns the spans called name.
func (o *otlpReceiver) named(name string) []*tracepb.Span {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []*tracepb.Span
	for _, s := range o.spans {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// children returns the spans whose parent is p.
func (o *otlpReceiver) children(p *tracepb.Span) []*tracepb.Span {
	o.mu.Lock()
	defer o.mu.Unlock()
	var out []*tracepb.Span
	for _, s := range o.spans {
		if string(s.ParentSpanId) == string(p.SpanId) && string(s.TraceId) == string(p.TraceId) {
			out = append(out, s)
		}
	}
	return out
}

// TestTracing: with OTEL_EXPORTER_OTLP_ENDPOINT set, a token request is a
// server span continuing the caller's traceparent, with the grant's span
// under it and database statements under that; a gateway call is a
// server span with an upstream client span under it, whose traceparent
// the upstream receives.
func TestTracing(t *testing.T) {
	recv := &otlpReceiver{}
	collector := httptest.NewServer(recv)
	defer collector.Close()
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", collector.URL)
	t.Setenv("OTEL_BSP_SCHEDULE_DELAY", "50")

	var upstreamParent string
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		upstreamParent = r.Header.Get("Traceparent")
		_, _ = io.WriteString(w, `{}`)
	}))
	defer up.Close()
	e, stop := launch(t, testConfig(t, ""))
	e.seed()
	e.createOrdersAPI(up.URL)

	const callerTrace = "4bf92f3577b34da6a3ce929d0e0e4736"
	tok := e.doWith("POST", "/oauth2/token", "application/x-www-form-urlencoded",
		url.Values{"grant_type": {"password"}, "username": {"john.doe"}, "password": {"s3cret-pw"}, "scope": {"orders:read"},
			"client_id": {e.clientID}, "client_secret": {e.clientSecret}}.Encode(),
		map[string]string{"Traceparent": "00-" + callerTrace + "-00f067aa0ba902b7-01"})
	if tok.status != http.StatusOK {
		t.Fatalf("token: %d %s", tok.status, tok.raw)
	}
	if r := e.gatewayDo("GET", "/orders/v1/items/42?api_key=s3cr3t-in-query", tok.str("access_token"), nil); r.status != http.StatusOK {
		t.Fatalf("gateway: %d %s", r.status, r.raw)
	}
	if err := stop(); err != nil { // flushes the spans
		t.Fatal(err)
	}

	// No span records a query string, which may carry a secret.
	recv.mu.Lock()
	for _, sp := range recv.spans {
		for _, a := range sp.Attributes {
			if strings.Contains(a.Value.String(), "s3cr3t") {
				t.Errorf("span %s records %s = %s", sp.Name, a.Key, a.Value)
			}
		}
	}
	recv.mu.Unlock()

	grants := recv.named("grant password")
	if len(grants) != 1 {
		t.Fatalf("%d grant spans, want 1", len(grants))
	}
	grant := grants[0]
	if hex.EncodeToString(grant.TraceId) != callerTrace {
		t.Errorf("the grant's trace %x is not the caller's traceparent", grant.TraceId)
	}
	var parent *tracepb.Span
	for _, s := range recv.named("http POST") {
		if string(s.SpanId) == string(grant.ParentSpanId) {
			parent = s
		}
	}
	if parent == nil || parent.Kind != tracepb.Span_SPAN_KIND_SERVER {
		t.Fatalf("the grant span's parent is not the request's server span: %v", parent)
	}
	var db int
	for _, c := range recv.children(grant) {
		if strings.HasPrefix(c.Name, "db ") {
			db++
		}
	}
	if db == 0 {
		t.Errorf("no database span under the grant (children: %v)", recv.children(grant))
	}

	gw := recv.named("gateway GET")
	if len(gw) != 1 {
		t.Fatalf("%d gateway spans, want 1", len(gw))
	}
	kids := recv.children(gw[0])
	if len(kids) != 1 || kids[0].Name != "upstream GET" || kids[0].Kind != tracepb.Span_SPAN_KIND_CLIENT {
		t.Fatalf("under the gateway span: %v", kids)
	}
	want := "00-" + hex.EncodeToString(kids[0].TraceId) + "-" + hex.EncodeToString(kids[0].SpanId) + "-01"
	if upstreamParent != want {
		t.Errorf("the upstream got traceparent %q, want %q", upstreamParent, want)
	}
}
