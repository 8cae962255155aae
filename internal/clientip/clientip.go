// Package clientip finds the address of the client behind the proxies an
// operator trusts (load balancers, remote gateways that forward token
// requests), so that password throttling, audit and the gateway's
// X-Forwarded-For see the client rather than the proxy. Without trusted
// proxies nothing changes: a caller cannot choose its own address by
// sending X-Forwarded-For.
package clientip

import (
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// Trusted is the set of proxies whose X-Forwarded-For is believed.
type Trusted struct{ prefixes []netip.Prefix }

// Parse reads CIDRs and single IP addresses; nil or empty trusts nobody.
func Parse(entries []string) (*Trusted, error) {
	t := &Trusted{}
	for _, e := range entries {
		e = strings.TrimSpace(e)
		if p, err := netip.ParsePrefix(e); err == nil {
			t.prefixes = append(t.prefixes, p.Masked())
			continue
		}
		a, err := netip.ParseAddr(e)
		if err != nil {
			return nil, fmt.Errorf("--trusted-proxy: %q is neither a CIDR nor an IP address", e)
		}
		a = a.Unmap()
		t.prefixes = append(t.prefixes, netip.PrefixFrom(a, a.BitLen()))
	}
	return t, nil
}

func (t *Trusted) trusts(a netip.Addr) bool {
	a = a.Unmap()
	for _, p := range t.prefixes {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// Handler sets r.RemoteAddr to the client's address when the request came
// through trusted proxies, then calls next.
func (t *Trusted) Handler(next http.Handler) http.Handler {
	if t == nil || len(t.prefixes) == 0 {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if a, ok := t.client(r); ok {
			r2 := *r
			r2.RemoteAddr = net.JoinHostPort(a.String(), "0")
			r = &r2
		}
		next.ServeHTTP(w, r)
	})
}

// client walks X-Forwarded-For from the nearest hop outwards while the
// hops are trusted proxies; the first untrusted hop is the client. Each
// proxy appends the address it saw, so only the entries right of the first
// untrusted one were written by proxies we trust: anything further left
// could have been sent by the client itself.
func (t *Trusted) client(r *http.Request) (netip.Addr, bool) {
	peer, err := netip.ParseAddrPort(r.RemoteAddr)
	if err != nil || !t.trusts(peer.Addr()) {
		return netip.Addr{}, false
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	client := netip.Addr{}
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break // a malformed hop ends what can be believed
		}
		client = a.Unmap()
		if !t.trusts(client) {
			return client, true
		}
	}
	return client, client.IsValid()
}
