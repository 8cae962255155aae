package gateway_test

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/tollgate-dev/tollgate/internal/domain"

	"github.com/tollgate-dev/tollgate/internal/gateway"
	"github.com/tollgate-dev/tollgate/internal/token"
	"github.com/tollgate-dev/tollgate/internal/token/assertiontest"
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

// BenchmarkProxyDPoP is BenchmarkProxy's gateway with a DPoP-bound token,
// next to the same token as a bearer one: the difference is the proof's
// check (its signature, URL and ath) and the replay cache. Signing each
// fresh proof is the client's work and is not timed.
func BenchmarkProxyDPoP(b *testing.B) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"id":42}`)
	}))
	defer up.Close()
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	key := assertiontest.DPoPKey{Key: ec, Alg: jose.ES256}
	var base string
	g := gateway.New(gateway.Config{
		Source: apis{{Tenant: "acme", ID: "orders", Context: "/orders/v1", Upstream: up.URL, OperatorUpstream: true,
			Resources: []domain.APIResource{{Method: "GET", Path: "/items/{id}", Scopes: []string{"orders:read"}}}}},
		Verifier: tokens{
			"reader": {Tenant: "acme", Subject: "john", Scopes: []string{"orders:read"}},
			"bound":  {Tenant: "acme", Subject: "john", Scopes: []string{"orders:read"}, BoundKey: key.JKT(b)},
		},
		PublicURL: "http://gateway.example",
	})
	if err := g.Reload(b.Context()); err != nil {
		b.Fatal(err)
	}
	gw := httptest.NewServer(g)
	defer gw.Close()
	base = "http://gateway.example/orders/v1/items/42"
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	// Proofs are single use: sign a batch ahead, and more, untimed, when
	// it runs out.
	var proofs []string
	next := func(b *testing.B) string {
		if len(proofs) == 0 {
			b.StopTimer()
			for range 4096 {
				proofs = append(proofs, key.Proof(b, "GET", base, map[string]any{"ath": token.AccessTokenHash("bound")}))
			}
			b.StartTimer()
		}
		p := proofs[len(proofs)-1]
		proofs = proofs[:len(proofs)-1]
		return p
	}
	for _, scheme := range []string{"Bearer", "DPoP"} {
		b.Run(scheme, func(b *testing.B) {
			for b.Loop() {
				req, _ := http.NewRequest("GET", gw.URL+"/orders/v1/items/42", nil)
				req.Header.Set("Authorization", "Bearer reader")
				if scheme == "DPoP" {
					req.Header.Set("Authorization", "DPoP bound")
					req.Header.Set("DPoP", next(b))
				}
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
		})
	}
}
