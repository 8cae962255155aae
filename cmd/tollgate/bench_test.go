package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// BenchmarkClientCredentials measures the token endpoint end to end over
// loopback HTTP with keep-alive: the request path a service takes on
// every token fetch. Profile with -cpuprofile; `make bench` gives the
// load-generator figures.
func BenchmarkClientCredentials(b *testing.B) {
	e := startServer(b, "")
	body := url.Values{"grant_type": {"client_credentials"}}.Encode()
	auth := basicAuth(e.clientID, e.clientSecret)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	// Shutdown treats a dialled but unused connection as busy for 5 s, so
	// close ours before the server stops (cleanups run last-in first-out).
	b.Cleanup(client.CloseIdleConnections)
	b.SetParallelism(8)
	b.ResetTimer()
	parallel200(b, client, func() *http.Request {
		req, _ := http.NewRequest("POST", e.base+"/token", strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", auth)
		return req
	})
}

// parallel200 sends req's requests from b's parallel goroutines, each
// answer read whole and required to be 200.
func parallel200(b *testing.B, client *http.Client, req func() *http.Request) {
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			resp, err := client.Do(req())
			if err != nil {
				b.Fatal(err)
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if resp.StatusCode != 200 {
				b.Fatalf("status %d", resp.StatusCode)
			}
		}
	})
}

// BenchmarkRefreshToken measures refresh rotation end to end: each
// goroutine chains its own session, using every refresh token once.
func BenchmarkRefreshToken(b *testing.B) {
	e := startServer(b, "")
	auth := basicAuth(e.clientID, e.clientSecret)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	b.Cleanup(client.CloseIdleConnections)
	b.SetParallelism(8)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rt := e.passwordToken("").str("refresh_token")
		for pb.Next() {
			body := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}.Encode()
			req, _ := http.NewRequest("POST", e.base+"/token", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			req.Header.Set("Authorization", auth)
			resp, err := client.Do(req)
			if err != nil {
				b.Error(err)
				return
			}
			var tok struct {
				RefreshToken string `json:"refresh_token"`
			}
			err = json.NewDecoder(resp.Body).Decode(&tok)
			resp.Body.Close()
			if err != nil || resp.StatusCode != 200 {
				b.Errorf("status %d: %v", resp.StatusCode, err)
				return
			}
			rt = tok.RefreshToken
		}
	})
}
