package gateway

import (
	"net/http"
	"slices"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

func TestExplain(t *testing.T) {
	apis := []domain.API{{Tenant: "t", ID: "orders", Context: "/orders/v1", Upstream: "http://127.0.0.1:9000",
		Resources: []domain.APIResource{
			{Method: "GET", Path: "/items/{id}", Scopes: []string{"orders:read"}},
			{Method: "GET", Path: "/items/new", Public: true},
			{Method: "PUT", Path: "/items/{id}", Scopes: []string{"orders:write"}},
		}}}
	tests := []struct {
		name, method, path string
		want               Explanation
	}{
		{"parameter", "GET", "/orders/v1/items/42", Explanation{API: "orders", Resource: "GET /items/{id}", Scopes: []string{"orders:read"}}},
		{"literal wins", "GET", "/orders/v1/items/new", Explanation{API: "orders", Resource: "GET /items/new", Public: true}},
		{"other method", "DELETE", "/orders/v1/items/42", Explanation{Status: http.StatusMethodNotAllowed, Allow: []string{"GET", "PUT"}}},
		{"no resource", "GET", "/orders/v1/carts", Explanation{Status: http.StatusNotFound}},
		{"outside the context", "GET", "/items/42", Explanation{Status: http.StatusNotFound}},
		{"dot segment", "GET", "/orders/v1/items/%2e%2e", Explanation{Status: http.StatusBadRequest}},
	}
	for _, tc := range tests {
		got := Explain(apis, tc.method, tc.path)
		if got.Status != tc.want.Status || got.API != tc.want.API || got.Resource != tc.want.Resource ||
			got.Public != tc.want.Public || !slices.Equal(got.Scopes, tc.want.Scopes) || !slices.Equal(got.Allow, tc.want.Allow) {
			t.Errorf("%s: got %+v, want %+v", tc.name, got, tc.want)
		}
	}
}
