package upstream

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
)

func TestPublic(t *testing.T) {
	for addr, want := range map[string]bool{
		"8.8.8.8": true, "93.184.215.14": true, "2606:4700::1111": true, "64:ff9b::808:808": true,
		"127.0.0.1": false, "127.9.9.9": false, "0.0.0.0": false, "0.1.2.3": false, "10.1.2.3": false,
		"172.16.0.1": false, "192.168.1.1": false, "100.64.0.1": false, "169.254.169.254": false,
		"224.0.0.1": false, "255.255.255.255": false, "198.18.0.1": false,
		"::": false, "::1": false, "::7f00:1": false, "::ffff:127.0.0.1": false, "::ffff:169.254.169.254": false,
		"fe80::1%eth0": false, "fd00::1": false, "ff02::1": false, "2002:7f00:1::1": false,
		"64:ff9b::7f00:1":    false, // NAT64 of 127.0.0.1
		"64:ff9b::a9fe:a9fe": false, // NAT64 of 169.254.169.254
	} {
		if got := Public(netip.MustParseAddr(addr)); got != want {
			t.Errorf("Public(%s) = %v, want %v", addr, got, want)
		}
	}
}

// offline answers no DNS query: only /etc/hosts (localhost) resolves.
var offline = &net.Resolver{PreferGo: true, Dial: func(context.Context, string, string) (net.Conn, error) {
	return nil, errors.New("no DNS in tests")
}}

func addr(s string) net.Addr { return net.TCPAddrFromAddrPort(netip.MustParseAddrPort(s)) }

func TestCheck(t *testing.T) {
	p, err := NewPolicy([]string{"10.0.0.0/8", "192.168.7.7", "Orders.Internal.", "localhost"},
		addr("127.0.0.1:8080"), addr("[::]:8243"))
	if err != nil {
		t.Fatal(err)
	}
	p.resolver = offline
	strict, err := NewPolicy(nil, addr("127.0.0.1:8080"))
	if err != nil {
		t.Fatal(err)
	}
	strict.resolver = offline
	const tenant, operator = false, true
	tests := []struct {
		name       string
		p          *Policy
		host       string
		port       uint16
		byOperator bool
		refusal    string // "" when allowed
	}{
		{"public address", strict, "8.8.8.8", 443, tenant, ""},
		{"loopback", strict, "127.0.0.1", 9000, tenant, Flag},
		{"metadata", strict, "169.254.169.254", 80, tenant, Flag},
		{"private", strict, "10.1.2.3", 80, tenant, Flag},
		{"mapped loopback", strict, "::ffff:127.0.0.1", 9000, tenant, Flag},
		{"name of loopback", strict, "localhost", 9000, tenant, Flag},
		{"name that does not resolve", strict, "nosuch.example", 80, tenant, "could not be resolved"},
		{"operator: loopback", strict, "127.0.0.1", 9000, operator, ""},
		{"operator: name that does not resolve", strict, "nosuch.example", 80, operator, ""},
		{"operator: own listener", strict, "127.0.0.1", 8080, operator, "own listener"},
		{"operator: own listener by name", strict, "localhost", 8080, operator, "own listener"},
		{"allowed network", p, "10.1.2.3", 80, tenant, ""},
		{"allowed address", p, "192.168.7.7", 80, tenant, ""},
		{"address beside the allowed one", p, "192.168.7.8", 80, tenant, Flag},
		{"allowed name", p, "orders.internal", 80, tenant, ""},
		{"allowed name of loopback", p, "localhost", 9000, tenant, ""},
		{"allowed, but an own listener", p, "localhost", 8080, tenant, "own listener"},
		{"not allowed and an own listener: the flag is named", p, "127.0.0.1", 8080, tenant, Flag},
		{"listener on every address, by loopback", p, "127.0.0.2", 8243, operator, "own listener"},
		{"listener on every address, by ::1", p, "::1", 8243, operator, "own listener"},
		{"unspecified address dials this host", p, "0.0.0.0", 8080, operator, "own listener"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.p.Check(t.Context(), tc.host, tc.port, tc.byOperator)
			switch {
			case tc.refusal == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.refusal != "" && (err == nil || !strings.Contains(err.Error(), tc.refusal)):
				t.Fatalf("got %v, want a refusal saying %q", err, tc.refusal)
			}
		})
	}
}

func TestBadAllowList(t *testing.T) {
	for _, s := range []string{"", "10.0.0.0/33", "http://x", "a..b", "-a.example", "a_b.example", "x:80"} {
		if CheckAllowList([]string{s}) == nil {
			t.Errorf("%q accepted", s)
		}
	}
	if err := CheckAllowList([]string{"10.0.0.0/8", "fd00::/8", "::ffff:10.0.0.0/104", "10.1.2.3", "svc.internal"}); err != nil {
		t.Error(err)
	}
}

// The dial-time check sees the address actually dialed: a name that
// passed (or never met) the admin check and now resolves to loopback —
// DNS rebinding — is refused all the same, and nothing reaches the
// server behind it.
func TestDial(t *testing.T) {
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { hits.Add(1) }))
	defer srv.Close()
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	get := func(p *Policy, byOperator bool, host string) error {
		tr := &http.Transport{DialContext: p.DialContext(byOperator)}
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr}).Get("http://" + net.JoinHostPort(host, strconv.Itoa(port)) + "/")
		if err == nil {
			resp.Body.Close()
		}
		return err
	}
	strict, _ := NewPolicy(nil)
	for _, host := range []string{"127.0.0.1", "localhost"} {
		if err := get(strict, false, host); !IsRefusal(err) {
			t.Errorf("tenant's upstream %s: %v, want a refusal", host, err)
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the upstream got %d requests", n)
	}
	if err := get(strict, true, "localhost"); err != nil {
		t.Errorf("operator's upstream: %v", err)
	}
	allowing, _ := NewPolicy([]string{"127.0.0.0/8"})
	if err := get(allowing, false, "127.0.0.1"); err != nil {
		t.Errorf("allowed network: %v", err)
	}
	self, _ := NewPolicy(nil, srv.Listener.Addr())
	if err := get(self, true, "127.0.0.1"); !IsRefusal(err) {
		t.Errorf("own listener: %v, want a refusal", err)
	}
	if n := hits.Load(); n != 2 {
		t.Errorf("the upstream got %d requests, want 2", n)
	}
}
