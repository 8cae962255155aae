package gateway_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/gateway"
)

// BenchmarkProxy compares the gateway with a bare httputil.ReverseProxy
// to the same upstream in the same run: the difference per request is
// what routing, the token check (a map here; BenchmarkVerify in
// internal/token measures the JWT check) and header handling add.
func BenchmarkProxy(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"id":42}`)
	}))
	defer up.Close()
	target, _ := url.Parse(up.URL)
	bare := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		pr.SetXForwarded()
	}})
	defer bare.Close()
	g := gateway.New(gateway.Config{
		Source: apis{{Tenant: "acme", ID: "orders", Context: "/orders/v1", Upstream: up.URL, OperatorUpstream: true,
			Resources: []domain.APIResource{{Method: "GET", Path: "/items/{id}", Scopes: []string{"orders:read"}}}}},
		Verifier: tokens{"reader": {Tenant: "acme", Subject: "john", Scopes: []string{"orders:read"}}},
	})
	if err := g.Reload(b.Context()); err != nil {
		b.Fatal(err)
	}
	gw := httptest.NewServer(g)
	defer gw.Close()
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	get := func(b *testing.B, u string) {
		req, _ := http.NewRequest("GET", u, nil)
		req.Header.Set("Authorization", "Bearer reader")
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			b.Fatalf("status %d", resp.StatusCode)
		}
	}
	for _, c := range []struct{ name, url string }{
		{"bare", bare.URL + "/items/42"}, {"gateway", gw.URL + "/orders/v1/items/42"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				get(b, c.url)
			}
		})
		b.Run(c.name+"-parallel", func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					get(b, c.url)
				}
			})
		})
	}
}
