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

// benchGateway starts an upstream and a gateway in front of it, with
// API orders (GET /orders/v1/items/{id}, scope orders:read) and the
// tokens of verifier. It returns the gateway's and the upstream's URLs.
func benchGateway(b *testing.B, verifier tokens, publicURL string) (gw, upstream string) {
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"id":42}`)
	}))
	b.Cleanup(up.Close)
	g := gateway.New(gateway.Config{
		Source: apis{{Tenant: "acme", ID: "orders", Context: "/orders/v1", Upstream: up.URL, OperatorUpstream: true,
			Resources: []domain.APIResource{{Method: "GET", Path: "/items/{id}", Scopes: []string{"orders:read"}}}}},
		Verifier:  verifier,
		PublicURL: publicURL,
	})
	if err := g.Reload(b.Context()); err != nil {
		b.Fatal(err)
	}
	srv := httptest.NewServer(g)
	b.Cleanup(srv.Close)
	return srv.URL, up.URL
}

var benchClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}

// send sends a GET to u with the headers given, and needs a 200.
func send(b *testing.B, u string, header map[string]string) {
	req, _ := http.NewRequest("GET", u, nil)
	for k, v := range header {
		req.Header.Set(k, v)
	}
	resp, err := benchClient.Do(req)
	if err != nil {
		b.Fatal(err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 {
		b.Fatalf("status %d", resp.StatusCode)
	}
}

// reader is the identity of the benchmarks' token.
func reader() *gateway.Identity {
	return &gateway.Identity{Tenant: "acme", Subject: "john", Scopes: []string{"orders:read"}}
}

// BenchmarkProxy compares the gateway with a bare httputil.ReverseProxy
// to the same upstream in the same run: the difference per request is
// what routing, the token check (a map here; BenchmarkVerify in
// internal/token measures the JWT check) and header handling add.
func BenchmarkProxy(b *testing.B) {
	gw, up := benchGateway(b, tokens{"reader": reader()}, "")
	target, _ := url.Parse(up)
	bare := httptest.NewServer(&httputil.ReverseProxy{Rewrite: func(pr *httputil.ProxyRequest) {
		pr.SetURL(target)
		pr.SetXForwarded()
	}})
	defer bare.Close()
	bearer := map[string]string{"Authorization": "Bearer reader"}
	for _, c := range []struct{ name, url string }{
		{"bare", bare.URL + "/items/42"}, {"gateway", gw + "/orders/v1/items/42"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				send(b, c.url, bearer)
			}
		})
		b.Run(c.name+"-parallel", func(b *testing.B) {
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					send(b, c.url, bearer)
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
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	key := assertiontest.DPoPKey{Key: ec, Alg: jose.ES256}
	bound := reader()
	bound.BoundKey = key.JKT(b)
	gw, _ := benchGateway(b, tokens{"reader": reader(), "bound": bound}, "http://gateway.example")
	const htu = "http://gateway.example/orders/v1/items/42"
	// Proofs are single use: sign a batch ahead, and more, untimed, when
	// it runs out.
	var proofs []string
	next := func(b *testing.B) string {
		if len(proofs) == 0 {
			b.StopTimer()
			for range 4096 {
				proofs = append(proofs, key.Proof(b, "GET", htu, map[string]any{"ath": token.AccessTokenHash("bound")}))
			}
			b.StartTimer()
		}
		p := proofs[len(proofs)-1]
		proofs = proofs[:len(proofs)-1]
		return p
	}
	b.Run("Bearer", func(b *testing.B) {
		for b.Loop() {
			send(b, gw+"/orders/v1/items/42", map[string]string{"Authorization": "Bearer reader"})
		}
	})
	b.Run("DPoP", func(b *testing.B) {
		for b.Loop() {
			send(b, gw+"/orders/v1/items/42", map[string]string{"Authorization": "DPoP bound", "DPoP": next(b)})
		}
	})
}
