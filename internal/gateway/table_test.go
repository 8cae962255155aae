package gateway

import (
	"net/http"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

func testTable(t testing.TB) *table {
	t.Helper()
	tb, errs := compile([]domain.API{
		{Tenant: "default", ID: "orders", Context: "/orders/v1", Upstream: "http://up.test",
			Resources: []domain.APIResource{
				{Method: "GET", Path: "/items/{id}", Scopes: []string{"orders:read"}},
				{Method: "PUT", Path: "/items/{id}", Scopes: []string{"orders:update"}},
				{Method: "GET", Path: "/items/admin", Scopes: []string{"orders:admin"}},
				{Method: "GET", Path: "/", Public: true},
			}},
		{Tenant: "default", ID: "orders-admin", Context: "/orders/v1/admin", Upstream: "http://admin.test",
			Resources: []domain.APIResource{{Method: "GET", Path: "/stats", Scopes: []string{"orders:admin"}}}},
	})
	if len(errs) > 0 {
		t.Fatal(errs)
	}
	return tb
}

func TestRoute(t *testing.T) {
	tb := testTable(t)
	tests := []struct {
		name, method, path string
		status             int
		api, resource      string
		rest               string
	}{
		{"read resource", "GET", "/orders/v1/items/42", 0, "orders", "GET /items/{id}", "/items/42"},
		{"update resource", "PUT", "/orders/v1/items/42", 0, "orders", "PUT /items/{id}", "/items/42"},
		{"literal beats parameter", "GET", "/orders/v1/items/admin", 0, "orders", "GET /items/admin", "/items/admin"},
		{"encoded literal still the literal", "GET", "/orders/v1/items/%61dmin", 0, "orders", "GET /items/admin", "/items/admin"},
		{"context root", "GET", "/orders/v1", 0, "orders", "GET /", ""},
		{"context root with slash", "GET", "/orders/v1/", 0, "orders", "GET /", ""},
		{"longest context", "GET", "/orders/v1/admin/stats", 0, "orders-admin", "GET /stats", "/stats"},
		{"parameter escaped again", "GET", "/orders/v1/items/a%20b", 0, "orders", "GET /items/{id}", "/items/a%20b"},
		{"longest context owns its paths", "GET", "/orders/v1/admin", http.StatusNotFound, "", "", ""},
		{"unknown context", "GET", "/nope/items/1", http.StatusNotFound, "", "", ""},
		{"context prefix is not a segment", "GET", "/orders/v1x/items/1", http.StatusNotFound, "", "", ""},
		{"no resource", "GET", "/orders/v1/other", http.StatusNotFound, "", "", ""},
		{"too deep", "GET", "/orders/v1/items/1/2", http.StatusNotFound, "", "", ""},
		{"empty parameter", "GET", "/orders/v1/items/", http.StatusNotFound, "", "", ""},
		{"wrong method", "DELETE", "/orders/v1/items/1", http.StatusMethodNotAllowed, "", "", ""},
		{"method is case-sensitive", "get", "/orders/v1/items/1", http.StatusMethodNotAllowed, "", "", ""},
		{"dot dot", "GET", "/orders/v1/admin/../items/1", http.StatusBadRequest, "", "", ""},
		{"dot", "GET", "/orders/v1/./items/1", http.StatusBadRequest, "", "", ""},
		{"encoded dot dot", "GET", "/orders/v1/admin/%2e%2e/items/1", http.StatusBadRequest, "", "", ""},
		{"half-encoded dot dot", "GET", "/orders/v1/admin/.%2E/items/1", http.StatusBadRequest, "", "", ""},
		{"encoded slash", "GET", "/orders/v1/items%2fadmin", http.StatusBadRequest, "", "", ""},
		{"encoded slash in parameter", "GET", "/orders/v1/items/a%2Fb", http.StatusBadRequest, "", "", ""},
		{"encoded backslash", "GET", "/orders/v1/items/a%5cb", http.StatusBadRequest, "", "", ""},
		{"double slash", "GET", "/orders/v1//items/1", http.StatusBadRequest, "", "", ""},
		{"leading double slash", "GET", "//orders/v1/items/1", http.StatusBadRequest, "", "", ""},
		{"NUL", "GET", "/orders/v1/items/a%00", http.StatusBadRequest, "", "", ""},
		{"bad escape", "GET", "/orders/v1/items/%zz", http.StatusBadRequest, "", "", ""},
		{"not absolute", "GET", "orders/v1/items/1", http.StatusBadRequest, "", "", ""},
		{"huge", "GET", "/orders/v1/items/" + strings.Repeat("a", maxPath), http.StatusBadRequest, "", "", ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, status, allow := tb.route(tc.method, tc.path)
			if status != tc.status {
				t.Fatalf("status %d, want %d", status, tc.status)
			}
			if status == http.StatusMethodNotAllowed && strings.Join(allow, ",") != "GET,PUT" {
				t.Errorf("allow %v", allow)
			}
			if status != 0 {
				return
			}
			if m.api.id != tc.api || m.resource.label != tc.resource || m.rest != tc.rest {
				t.Errorf("got %s %q %q, want %s %q %q", m.api.id, m.resource.label, m.rest, tc.api, tc.resource, tc.rest)
			}
		})
	}
}

// FuzzMatch checks that whatever the path, a match is one the routed
// path really fits: the forwarded rest re-cleans to itself, has no dot
// or empty segments, and fits the chosen template; nothing panics.
func FuzzMatch(f *testing.F) {
	for _, s := range []string{"/orders/v1/items/1", "/orders/v1/items/admin", "/orders/v1/admin/../items/1",
		"/orders/v1/items/%2e%2e", "/orders/v1//items", "/orders/v1/items/%61dmin", "/orders/v1/", "/%"} {
		f.Add("GET", s)
	}
	tb := testTable(f)
	f.Fuzz(func(t *testing.T, method, path string) {
		m, status, _ := tb.route(method, path)
		if status != 0 {
			return
		}
		if m.resource.method != method {
			t.Fatalf("%s %q routed to %s", method, path, m.resource.label)
		}
		segs, ok := cleanPath(m.rest)
		if m.rest == "" {
			segs, ok = nil, true
		}
		if !ok {
			t.Fatalf("%q forwarded as unclean %q", path, m.rest)
		}
		if escapeSegs(segs) != m.rest {
			t.Fatalf("%q: rest %q is not canonical", path, m.rest)
		}
		for _, s := range segs {
			if s == "" || s == "." || s == ".." || strings.ContainsAny(s, "/\\\x00") {
				t.Fatalf("%q forwarded segment %q", path, s)
			}
		}
		if !segsMatch(m.resource.segs, segs) {
			t.Fatalf("%q: %v does not fit %s", path, segs, m.resource.label)
		}
		// Routing the forwarded form gives the same resource: the
		// upstream reads the path that was authorised.
		again, st, _ := tb.route(method, m.api.context+m.rest)
		if st != 0 || again.resource != m.resource {
			t.Fatalf("%q: forwarded form routes elsewhere (%d)", path, st)
		}
	})
}
