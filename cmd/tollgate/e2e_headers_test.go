package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// rawStatus sends a GET with the given extra header lines over a plain
// connection and returns the status: the request is written while the
// answer is read, since a server refusing headers answers before it has
// read them all.
func rawStatus(t *testing.T, addr, headers string) int {
	t.Helper()
	conn, err := net.DialTimeout("tcp", addr, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(10 * time.Second))
	go fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: x\r\n%s\r\n", headers)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatalf("%s: %v", addr, err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestHeaderLimits (issue 12 item 16): every listener refuses 64 KiB of
// headers, in one header or in five thousand, with 431; ordinary requests
// pass.
func TestHeaderLimits(t *testing.T) {
	cfg := testConfig(t, "")
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.DebugAddr = ln.Addr().String()
	ln.Close()
	e := startWith(t, cfg)
	rg := startRemoteGateway(t, e.base, e.base)
	u, _ := url.Parse(e.base)
	listeners := map[string]string{
		"main":                    u.Host,
		"gateway":                 e.app.GatewayAddr().String(),
		"debug":                   cfg.DebugAddr,
		"remote gateway":          rg.GatewayAddr().String(),
		"remote gateway's health": rg.OpsAddr().String(),
	}
	var many strings.Builder
	for i := range 5000 {
		fmt.Fprintf(&many, "X-Pad-%d: v\r\n", i)
	}
	for name, addr := range listeners {
		t.Run(name, func(t *testing.T) {
			if got := rawStatus(t, addr, "X-Small: v\r\n"); got == http.StatusRequestHeaderFieldsTooLarge {
				t.Fatalf("a small header got %d", got)
			}
			if got := rawStatus(t, addr, "X-Big: "+strings.Repeat("a", 64<<10)+"\r\n"); got != http.StatusRequestHeaderFieldsTooLarge {
				t.Errorf("a 64 KiB header: %d, want 431", got)
			}
			if got := rawStatus(t, addr, many.String()); got != http.StatusRequestHeaderFieldsTooLarge {
				t.Errorf("5000 headers: %d, want 431", got)
			}
		})
	}
}

// TestAuthorizationRefusedAlike (issue 12 item 16): two Authorization
// headers, or a scheme followed by two spaces, get 400 invalid_request on
// every endpoint, each in its protocol's format.
func TestAuthorizationRefusedAlike(t *testing.T) {
	e := startServer(t, "")
	e.createOrdersAPI(upstreamEcho(t).URL)
	access := e.passwordToken("orders:read").str("access_token")
	basic := basicAuth(e.clientID, e.clientSecret)
	headers := []struct {
		name   string
		values []string
	}{
		{"two bearer headers", []string{"Bearer " + access, "Bearer " + access}},
		{"bearer and basic", []string{basic, "Bearer " + access}},
		{"bearer and two spaces", []string{"Bearer  " + access}},
		{"basic and two spaces", []string{strings.Replace(basic, " ", "  ", 1)}},
		{"two basic headers", []string{basic, basic}},
	}
	form := "application/x-www-form-urlencoded"
	endpoints := []struct {
		name, method, path, contentType, body string
		base                                  func() string
		check                                 func(r *response) bool
	}{
		{"token", "POST", "/token", form, "grant_type=client_credentials", nil, oauthInvalidRequest},
		{"introspection", "POST", "/oauth2/introspect", form, "token=" + access, nil, oauthInvalidRequest},
		{"revocation", "POST", "/oauth2/revoke", form, "token=" + access, nil, oauthInvalidRequest},
		{"admin API", "GET", "/api/v1/entities/users", "", "", nil, func(r *response) bool {
			errs, _ := r.body["errors"].([]any)
			if len(errs) != 1 {
				return false
			}
			obj, _ := errs[0].(map[string]any)
			return obj["status"] == "400" && obj["code"] == "invalid_request"
		}},
		{"gateway", "GET", "/orders/v1/items/1", "", "", e.app.GatewayURL, func(r *response) bool {
			return r.str("error") == "invalid_request" &&
				strings.Contains(r.header.Get("WWW-Authenticate"), `error="invalid_request"`)
		}},
	}
	for _, ep := range endpoints {
		for _, h := range headers {
			t.Run(ep.name+"/"+h.name, func(t *testing.T) {
				base := e.base
				if ep.base != nil {
					base = ep.base()
				}
				req, _ := http.NewRequest(ep.method, base+ep.path, strings.NewReader(ep.body))
				if ep.contentType != "" {
					req.Header.Set("Content-Type", ep.contentType)
				}
				req.Header["Authorization"] = h.values
				r := doReq(t, req)
				if r.status != http.StatusBadRequest || !ep.check(r) {
					t.Fatalf("%d %v %s, want 400 invalid_request", r.status, r.header, r.raw)
				}
			})
		}
	}
	// The same credentials, sent once and well-formed, are accepted.
	if r := e.post("/token", url.Values{"grant_type": {"client_credentials"}}, e.clientID, e.clientSecret); r.status != 200 {
		t.Fatalf("one Basic header: %d %s", r.status, r.raw)
	}
	e.api("GET", "/api/v1/entities/users", "", 200)
	if r := e.gatewayDo("GET", "/orders/v1/items/1", access, nil); r.status != 200 {
		t.Fatalf("one bearer header at the gateway: %d %s", r.status, r.raw)
	}
}

func oauthInvalidRequest(r *response) bool {
	return r.str("error") == "invalid_request" && r.header.Get("Content-Type") == "application/json"
}
