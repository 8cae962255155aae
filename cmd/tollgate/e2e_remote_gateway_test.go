package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/config"
	"github.com/tollgate-dev/tollgate/internal/server"
)

// A remote gateway (`tollgate gateway --key-manager`) follows the token
// service through its feed. The token service sits behind a switch that
// can make it unreachable, as a restart or outage would.

type switchable struct {
	down atomic.Bool
	next http.Handler
}

func (s *switchable) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.down.Load() {
		// Drop the connection, as a stopped server would.
		if hj, ok := w.(http.Hijacker); ok {
			if c, _, err := hj.Hijack(); err == nil {
				c.Close()
				return
			}
		}
		w.WriteHeader(http.StatusBadGateway)
		return
	}
	s.next.ServeHTTP(w, r)
}

func startRemoteGateway(t *testing.T, keyManager, issuer string) *server.Gateway {
	t.Helper()
	return runRemoteGateway(t, &config.Gateway{Addr: "127.0.0.1:0", GatewayAddr: "127.0.0.1:0", KeyManagers: []string{keyManager},
		Token: testBootstrap, IssuerURL: issuer, LogFormat: "text", LogLevel: "error", ShutdownGrace: 5 * time.Second})
}

// runRemoteGateway validates cfg and runs a remote gateway on it until t ends.
func runRemoteGateway(t *testing.T, cfg *config.Gateway) *server.Gateway {
	t.Helper()
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	rg, err := server.NewGateway(cfg)
	if err != nil {
		cancel()
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- rg.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("remote gateway stopped with %v", err)
		}
	})
	return rg
}

// within polls until the gateway gives status, failing after d.
func within(t *testing.T, d time.Duration, what string, get func() *response, status int) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		r := get()
		if r.status == status {
			return time.Since(start)
		}
		if time.Since(start) > d {
			t.Fatalf("%s: still %d %s after %v, want %d", what, r.status, r.raw, d, status)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestRemoteGateway(t *testing.T) {
	e := startServer(t, "")
	up := upstreamEcho(t)
	e.createOrdersAPI(up.URL)
	target, _ := url.Parse(e.base)
	sw := &switchable{next: httputil.NewSingleHostReverseProxy(target)}
	km := httptest.NewServer(sw)
	t.Cleanup(km.Close)
	rg := startRemoteGateway(t, km.URL, e.base)
	remoteDo := func(method, path, tok string) func() *response {
		return func() *response {
			req, _ := http.NewRequest(method, rg.URL()+path, nil)
			if tok != "" {
				req.Header.Set("Authorization", "Bearer "+tok)
			}
			return doReq(t, req)
		}
	}
	readyz := func() *response {
		req, _ := http.NewRequest("GET", "http://"+rg.OpsAddr().String()+"/readyz", nil)
		return doReq(t, req)
	}

	access := e.passwordToken("orders:read").str("access_token")
	apiTok := e.createAPIToken(e.admin, "john.doe", "ci", `,"attributes":{"scopes":["orders:read"]}`)
	within(t, 3*time.Second, "read with an access token", remoteDo("GET", "/orders/v1/items/1", access), 200)
	expect(t, "update with a read token", remoteDo("PUT", "/orders/v1/items/1", access)(), 403, "insufficient_scope")
	expect(t, "read with an API token", remoteDo("GET", "/orders/v1/items/1", apiTok)(), 200, "")
	expect(t, "readyz", readyz(), 200, "")

	// Changes to APIs follow within the reload interval.
	e.api("PATCH", "/api/v1/entities/apis/orders", `{"data":{"type":"api","id":"orders","attributes":{"context":"/orders/v2"}}}`, 200)
	within(t, 3*time.Second, "renamed context", remoteDo("GET", "/orders/v2/items/1", access), 200)

	// Revocation and deletion within a second.
	e.api("DELETE", tokensPath+"/ci", "", 204)
	took := within(t, time.Second, "deleted API token", remoteDo("GET", "/orders/v2/items/1", apiTok), 401)
	t.Logf("API-token deletion reached the remote gateway in %v", took)
	if rv := e.post("/oauth2/revoke", url.Values{"token": {access}}, e.clientID, e.clientSecret); rv.status != 200 {
		t.Fatalf("revoke: %d %s", rv.status, rv.raw)
	}
	took = within(t, time.Second, "revoked access token", remoteDo("GET", "/orders/v2/items/1", access), 401)
	t.Logf("revocation reached the remote gateway in %v", took)

	// The token service goes away: the gateway keeps serving from its
	// last known state and says so; then it catches up.
	second := e.passwordToken("orders:read").str("access_token")
	expect(t, "second token", remoteDo("GET", "/orders/v2/items/1", second)(), 200, "")
	sw.down.Store(true)
	km.CloseClientConnections()
	within(t, 5*time.Second, "readyz while down", readyz, 503)
	expect(t, "served while down", remoteDo("GET", "/orders/v2/items/1", second)(), 200, "")
	sw.down.Store(false)
	if rv := e.post("/oauth2/revoke", url.Values{"token": {second}}, e.clientID, e.clientSecret); rv.status != 200 {
		t.Fatalf("revoke: %d %s", rv.status, rv.raw)
	}
	within(t, 5*time.Second, "revocation after the outage", remoteDo("GET", "/orders/v2/items/1", second), 401)
	within(t, 5*time.Second, "readyz after the outage", readyz, 200)
}

func doReq(t *testing.T, req *http.Request) *response {
	t.Helper()
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	r := &response{status: resp.StatusCode, header: resp.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &r.body)
	return r
}
