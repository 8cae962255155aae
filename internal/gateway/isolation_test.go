package gateway_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/gateway/upstream"
)

// counting is an upstream that counts what reaches it.
func counting(t *testing.T) (*httptest.Server, *atomic.Int32) {
	var hits atomic.Int32
	up := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		echo(w, r)
	}))
	t.Cleanup(up.Close)
	return up, &hits
}

// The gateway checks the tenant of the identity a verifier returns, not
// only the verifier: a token of another tenant holding every scope a
// resource needs is refused, and the upstream receives nothing.
func TestOwnTenantCheck(t *testing.T) {
	up, hits := counting(t)
	e := newEnv(t, up.URL) // "other" is tenant other's, with orders:read and orders:update
	for _, r := range []struct{ method, path string }{
		{"GET", "/orders/v1/items/1"}, {"PUT", "/orders/v1/items/1"}, {"POST", "/orders/v1/items"},
	} {
		a := e.do(t, r.method, r.path, bearer("other"), "")
		if a.status != http.StatusUnauthorized || a.body["error"] != "invalid_token" ||
			!strings.Contains(a.header.Get("WWW-Authenticate"), `error="invalid_token"`) {
			t.Errorf("%s %s with another tenant's token: %d %v", r.method, r.path, a.status, a.body)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the upstream received %d requests", n)
	}
}

// The gateway applies the upstream policy when it dials, on the address
// dialed: a tenant admin's API whose upstream name resolves to loopback
// (it passed the admin API's check and was rebound since, say) reaches
// nothing, while the operator's may, and no API reaches the server's own
// listeners.
func TestUpstreamPolicy(t *testing.T) {
	up, hits := counting(t)
	_, port, _ := net.SplitHostPort(up.Listener.Addr().String())
	byName := "http://localhost:" + port
	allowLoopback, err := upstream.NewPolicy([]string{"127.0.0.0/8", "::1"})
	if err != nil {
		t.Fatal(err)
	}
	own, err := upstream.NewPolicy(nil, up.Listener.Addr())
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name       string
		byOperator bool
		policy     *upstream.Policy
		status     int
	}{
		{"tenant admin's upstream on loopback", false, nil, http.StatusBadGateway},
		{"operator's upstream on loopback", true, nil, http.StatusTeapot},
		{"tenant admin's upstream on an allowed network", false, allowLoopback, http.StatusTeapot},
		{"operator's upstream on an own listener", true, own, http.StatusBadGateway},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			before := hits.Load()
			e := newEnvFor(t, ordersAPI(byName, tc.byOperator), tc.policy)
			a := e.do(t, "GET", "/orders/v1/items/1", bearer("reader"), "")
			if a.status != tc.status {
				t.Fatalf("got %d %v, want %d", a.status, a.body, tc.status)
			}
			if reached := hits.Load() > before; reached != (tc.status == http.StatusTeapot) {
				t.Fatalf("upstream reached: %v", reached)
			}
		})
	}
}
