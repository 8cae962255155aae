package gateway

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

func TestWithTokenService(t *testing.T) {
	named := func(name string) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte(name)) })
	}
	h := WithTokenService(named("gateway"), named("token service"))
	for path, want := range map[string]string{
		"/token": "token service", "/revoke": "token service",
		"/acme/oauth2/token": "token service", "/acme/oauth2/revoke": "token service",
		"/orders/v1/items/1": "gateway", "/oauth2/token": "gateway", "/acme/oauth2/introspect": "gateway",
		"/%74oken": "gateway", "/acme/oauth2/%74oken": "gateway", "/token/": "gateway",
	} {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest("POST", path, nil))
		if got := rec.Body.String(); got != want {
			t.Errorf("POST %s went to the %s, want the %s", path, got, want)
		}
	}
}

// FuzzTokenPathsNotShadowed checks that no valid API can match a path the
// gateway listener hands to the token service, whatever its context and
// resource: the API would otherwise be shadowed, or shadow the token
// service if the order were reversed.
func FuzzTokenPathsNotShadowed(f *testing.F) {
	f.Add("/acme", "/oauth2/token", "acme", uint8(2))
	f.Add("/token", "/", "", uint8(0))
	f.Add("/revoke", "/", "", uint8(1))
	f.Add("/acme/oauth2", "/revoke", "acme", uint8(3))
	f.Add("/acme", "/{a}/{b}", "acme", uint8(2))
	f.Fuzz(func(t *testing.T, context, resource, tenant string, kind uint8) {
		path := [...]string{"/token", "/revoke", "/" + tenant + "/oauth2/token", "/" + tenant + "/oauth2/revoke"}[kind%4]
		if !domain.GatewayTokenPath(path) {
			return
		}
		tb, errs := compile([]domain.API{{Tenant: "t", ID: "x", Context: context, Upstream: "http://up.test",
			Resources: []domain.APIResource{{Method: "POST", Path: resource}}}})
		if len(errs) > 0 {
			return // refused, as it must be if it could match
		}
		if m, status, _ := tb.route("POST", path); status != http.StatusNotFound {
			t.Fatalf("%s (context %q, resource %q): routed %d to %+v, want 404", path, context, resource, status, m.resource)
		}
	})
}
