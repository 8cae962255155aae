package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// BenchmarkBrokerVsIntrospection measures, on one server in one run,
// cached broker hand-outs (GET /tokens/GetAccessToken with a bearer token
// carrying broker:powerbi) against introspection of the same token, over
// loopback HTTP with keep-alive. The target: hand-outs at least
// 80 % of introspection's rate; compare the two ns/op.
func BenchmarkBrokerVsIntrospection(b *testing.B) {
	e := startServer(b, "")
	u := newCountingUpstream(b)
	e.brokerProvider(b, "", "powerbi", u.URL+"/{tenantId}/oauth2/token", "app-1", "s3cret", nil)
	e.api("POST", "/api/v1/entities/scopes", `{"data":{"type":"scope","id":"broker:powerbi"}}`, 201)
	id, sec := e.createApp("", `"grantTypes":["client_credentials"],"scopes":["broker:powerbi"]`)
	r := e.post("/token", url.Values{"grant_type": {"client_credentials"}, "scope": {"broker:powerbi"}}, id, sec)
	if r.status != 200 {
		b.Fatalf("token: %d %s", r.status, r.raw)
	}
	tok := r.str("access_token")
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.Cleanup(client.CloseIdleConnections)
	introspect := url.Values{"token": {tok}}.Encode()
	basic := basicAuth(id, sec)
	run := func(b *testing.B, req func() *http.Request) {
		b.SetParallelism(8)
		b.ResetTimer()
		parallel200(b, client, req)
		b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "req/s")
	}
	b.Run("introspection", func(b *testing.B) {
		run(b, func() *http.Request {
			req, _ := http.NewRequest("POST", e.base+"/oauth2/introspect", strings.NewReader(introspect))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", basic)
			return req
		})
	})
	b.Run("broker", func(b *testing.B) {
		run(b, func() *http.Request {
			req, _ := http.NewRequest("GET", e.base+"/tokens/GetAccessToken", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			return req
		})
	})
	if n := u.calls.Load(); n != 1 {
		b.Errorf("%d upstream calls, want 1", n)
	}
}
