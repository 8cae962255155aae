package gateway_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/gateway"
)

type downVerifier struct{}

func (downVerifier) Verify(context.Context, string, string) (*gateway.Identity, error) {
	return nil, fmt.Errorf("apitoken: lookup: %w", domain.ErrUnavailable)
}

// TestTokenCheckUnavailable: when a token cannot be checked (the
// database is down and nothing is cached) the caller gets 503 with
// Retry-After, not a 401 that would make it drop a good token.
func TestTokenCheckUnavailable(t *testing.T) {
	g := gateway.New(gateway.Config{
		Source: apis{{Tenant: "acme", ID: "orders", Context: "/orders/v1", Upstream: "http://127.0.0.1:1",
			Resources: []domain.APIResource{{Method: "GET", Path: "/items/{id}"}}}},
		Verifier: downVerifier{},
	})
	if err := g.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	w := httptest.NewRecorder()
	r := httptest.NewRequest("GET", "/orders/v1/items/1", nil)
	r.Header.Set("Authorization", "Bearer tgp_x")
	g.ServeHTTP(w, r)
	if w.Code != http.StatusServiceUnavailable || w.Header().Get("Retry-After") == "" {
		t.Fatalf("%d %v %s, want 503 with Retry-After", w.Code, w.Header(), w.Body)
	}
}
