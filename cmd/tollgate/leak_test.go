package main

import (
	"net/http"
	"testing"

	"go.uber.org/goleak"

	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
)

// TestNoGoroutineOutlivesRun: once run has returned, nothing the server
// started is still running: listeners, background jobs, the audit
// recorder, database pools.
func TestNoGoroutineOutlivesRun(t *testing.T) {
	for _, tt := range []struct {
		name string
		dsn  func(t *testing.T) string
	}{
		{name: "sqlite", dsn: func(*testing.T) string { return "" }},
		{name: "postgres", dsn: func(t *testing.T) string { return pgtest.NewDatabase(t) }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			dsn := tt.dsn(t)
			// Goroutines of the test binary and of earlier tests are not the
			// server's.
			defer goleak.VerifyNone(t, goleak.IgnoreCurrent())
			up := upstreamEcho(t)
			defer up.Close()
			e, stop := launch(t, testConfig(t, dsn))
			e.seed()
			e.createOrdersAPI(up.URL)
			access := e.passwordToken("orders:read").str("access_token")
			e.api("GET", "/api/v1/entities/users/john.doe", "", 200)
			expect(t, "gateway call", e.gatewayDo("GET", "/orders/v1/items/42", access, nil), 200, "")
			if err := stop(); err != nil {
				t.Fatalf("run: %v", err)
			}
			// The test's own keep-alive connections to the stopped server.
			http.DefaultClient.CloseIdleConnections()
		})
	}
}
