package remote_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/gateway"
	"github.com/tollgate-dev/tollgate/internal/gateway/feedwire"
	"github.com/tollgate-dev/tollgate/internal/gateway/remote"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// keyManager answers every API-token check with an identity of tenant.
func keyManager(t *testing.T, tenant string) *remote.Client {
	km := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != feedwire.PathVerifyAPIToken {
			http.NotFound(w, r)
			return
		}
		_ = json.NewEncoder(w).Encode(feedwire.APITokenIdentity{Tenant: tenant, Subject: "eve",
			Scopes: []string{"orders:read", "orders:update"}})
	}))
	t.Cleanup(km.Close)
	return remote.NewClient([]string{km.URL}, "credential", nil)
}

type source []domain.API

func (s source) APIs(context.Context) ([]domain.API, error) { return s, nil }

// A remote gateway does not trust the tenant the key manager names: an
// API token resolved to another tenant's identity is invalid, and the
// gateway forwards nothing.
func TestAPITokenOfAnotherTenant(t *testing.T) {
	c := keyManager(t, "other")
	v := remote.NewVerifier(nil, token.NewRevocations(c, nil), c)
	tok, err := token.NewOpaque(token.PrefixAPI)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := v.Verify(t.Context(), "acme", tok); !errors.Is(err, gateway.ErrInvalidToken) {
		t.Fatalf("Verify for acme = %v, want ErrInvalidToken", err)
	}

	var hits atomic.Int32
	up := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer up.Close()
	g := gateway.New(gateway.Config{Source: source{{Tenant: "acme", ID: "orders", Context: "/orders", Upstream: up.URL,
		OperatorUpstream: true, Resources: []domain.APIResource{{Method: "GET", Path: "/items", Scopes: []string{"orders:read"}}}}},
		Verifier: v})
	if err := g.Reload(t.Context()); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("GET", "/orders/items", nil)
	req.Header.Set("Authorization", "Bearer "+tok)
	g.ServeHTTP(rec, req)
	if rec.Code != http.StatusUnauthorized || hits.Load() != 0 {
		t.Fatalf("gateway answered %d %s; upstream hits %d", rec.Code, rec.Body, hits.Load())
	}
}
