// Package upstream decides which addresses the gateway may send requests
// to. A tenant admin could otherwise publish an internal service through
// the gateway (the Tollgate server itself, a cloud metadata endpoint, a
// database's HTTP port) and open it to anyone. The rule:
//
//   - the server's own listeners are never an upstream;
//   - an upstream the operator set (with the bootstrap token) may be any
//     other address;
//   - a tenant admin's upstream must be a public address, unless the
//     operator allows its network or host name (--gateway-allow-upstream).
//
// The admin API checks the rule when an upstream is set, to answer with a
// clear error; the gateway checks it again on every connection it dials,
// on the address actually dialed, so a name that resolves differently
// later (DNS rebinding) gains nothing.
//
// Identity providers follow the same rule, except that the operator may
// name the server's own listeners (provider.go).
package upstream

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"syscall"
	"time"
)

// Flag is the operator's allow-list flag, named in refusals.
const Flag = "--gateway-allow-upstream"

// resolveTimeout bounds the lookup of an upstream's host name when an
// admin sets it.
const resolveTimeout = 5 * time.Second

// Policy is the rule above for one server or gateway. It is immutable and
// safe for concurrent use.
type Policy struct {
	allow []netip.Prefix
	hosts map[string]bool // host names the operator allows, lower case
	own   []netip.AddrPort
	// local holds this machine's addresses when a listener is bound to
	// every address, so that reaching it through any of them is refused.
	local    []netip.Addr
	resolver *net.Resolver
	// ownForOperator lets the operator's addresses be the server's own
	// listeners too: set only in the copy identity providers use
	// (provider.go), never for the gateway.
	ownForOperator bool
}

// NewPolicy returns the policy for an allow-list of CIDRs, IP addresses
// and host names, and the addresses (ip:port) of the listeners of this
// process, as bound.
func NewPolicy(allow []string, own ...net.Addr) (*Policy, error) {
	p := Strict()
	for _, s := range allow {
		if err := p.allowEntry(s); err != nil {
			return nil, err
		}
	}
	for _, a := range own {
		ap, err := netip.ParseAddrPort(a.String())
		if err != nil {
			return nil, fmt.Errorf("upstream: own listener %q: %w", a, err)
		}
		ap = netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port())
		p.own = append(p.own, ap)
		if ap.Addr().IsUnspecified() && p.local == nil {
			p.local = interfaceAddrs()
		}
	}
	return p, nil
}

// Strict is the policy without an allow-list or known listeners: tenant
// admins' upstreams must be public.
func Strict() *Policy { return &Policy{hosts: map[string]bool{}, resolver: net.DefaultResolver} }

// CheckAllowList reports the first entry of an allow-list that is
// neither a CIDR, an IP address nor a host name.
func CheckAllowList(allow []string) error {
	_, err := NewPolicy(allow)
	return err
}

func (p *Policy) allowEntry(s string) error {
	if pf, err := netip.ParsePrefix(s); err == nil {
		p.allow = append(p.allow, netip.PrefixFrom(pf.Addr().Unmap(), unmappedBits(pf)).Masked())
		return nil
	}
	if a, err := netip.ParseAddr(s); err == nil {
		a = a.Unmap()
		p.allow = append(p.allow, netip.PrefixFrom(a, a.BitLen()))
		return nil
	}
	h := hostKey(s)
	if !isHostName(h) {
		return fmt.Errorf("%s %q: not a CIDR, an IP address or a host name", Flag, s)
	}
	p.hosts[h] = true
	return nil
}

// unmappedBits is the prefix length of pf once an IPv4-mapped address is
// written as IPv4 (::ffff:10.0.0.0/104 is 10.0.0.0/8).
func unmappedBits(pf netip.Prefix) int {
	if pf.Addr().Is4In6() {
		return max(pf.Bits()-96, 0)
	}
	return pf.Bits()
}

func hostKey(host string) string { return strings.TrimSuffix(strings.ToLower(host), ".") }

// isHostName accepts DNS names: labels of letters, digits and '-'.
func isHostName(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, l := range strings.Split(h, ".") {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
				return false
			}
		}
	}
	return true
}

// Refusal is an upstream address the policy does not allow; Error says
// why and what the operator can do.
type Refusal struct {
	Addr netip.AddrPort
	Own  bool // one of the server's own listeners
}

func (r *Refusal) Error() string {
	if r.Own {
		return fmt.Sprintf("%s is this server's own listener and cannot be an upstream", r.Addr)
	}
	return fmt.Sprintf("%s is not a public address; a tenant admin may use it only if the operator allows it with %s",
		r.Addr.Addr(), Flag)
}

// check applies the rule to one address. byOperator: the operator set
// the upstream; hostAllowed: its host name is on the allow-list.
func (p *Policy) check(ap netip.AddrPort, byOperator, hostAllowed bool) error {
	ap = netip.AddrPortFrom(ap.Addr().Unmap().WithZone(""), ap.Port())
	// The tenant admin's rule comes first, so a refusal of a loopback
	// listener names the flag they can ask the operator about.
	if !byOperator && !hostAllowed && !Public(ap.Addr()) && !p.allowed(ap.Addr()) {
		return &Refusal{Addr: ap}
	}
	if p.isOwn(ap) && !(byOperator && p.ownForOperator) {
		return &Refusal{Addr: ap, Own: true}
	}
	return nil
}

func (p *Policy) allowed(a netip.Addr) bool {
	for _, pf := range p.allow {
		if pf.Contains(a) {
			return true
		}
	}
	return false
}

// isOwn reports an address one of the listeners answers on. A listener
// on every address answers on all of this machine's addresses; dialing
// the unspecified address reaches this machine too.
func (p *Policy) isOwn(ap netip.AddrPort) bool {
	a := ap.Addr()
	for _, o := range p.own {
		if o.Port() != ap.Port() {
			continue
		}
		if a == o.Addr() || a.IsUnspecified() {
			return true
		}
		if o.Addr().IsUnspecified() && (a.IsLoopback() || containsAddr(p.local, a)) {
			return true
		}
	}
	return false
}

func containsAddr(xs []netip.Addr, a netip.Addr) bool {
	for _, x := range xs {
		if x == a {
			return true
		}
	}
	return false
}

func interfaceAddrs() []netip.Addr {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return nil // loopback is still recognised by class
	}
	var out []netip.Addr
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok {
			if ip, ok := netip.AddrFromSlice(n.IP); ok {
				out = append(out, ip.Unmap())
			}
		}
	}
	return out
}

// Check applies the rule to an upstream's host and port as an admin sets
// it. A host name is resolved and every address it has must pass. A name
// the operator set or allows that does not resolve here is accepted: it
// may resolve where the gateway runs, and the gateway checks again.
func (p *Policy) Check(ctx context.Context, host string, port uint16, byOperator bool) error {
	if a, err := netip.ParseAddr(host); err == nil {
		return p.check(netip.AddrPortFrom(a, port), byOperator, false)
	}
	hostAllowed := p.hosts[hostKey(host)]
	ctx, cancel := context.WithTimeout(ctx, resolveTimeout)
	defer cancel()
	addrs, err := p.resolver.LookupNetIP(ctx, "ip", host)
	if err != nil {
		if byOperator || hostAllowed {
			return nil
		}
		return fmt.Errorf("host %q could not be resolved, so it cannot be checked", host)
	}
	for _, a := range addrs {
		if err := p.check(netip.AddrPortFrom(a, port), byOperator, hostAllowed); err != nil {
			return fmt.Errorf("host %q: %w", host, err)
		}
	}
	return nil
}

// DialContext returns the dial function of a transport that reaches
// upstreams set by the operator (byOperator) or by tenant admins. The
// rule is applied to each address as it is dialed (net.Dialer.Control),
// after name resolution.
func (p *Policy) DialContext(byOperator bool) func(ctx context.Context, network, addr string) (net.Conn, error) {
	return func(ctx context.Context, network, addr string) (net.Conn, error) {
		host, _, err := net.SplitHostPort(addr)
		if err != nil {
			return nil, err
		}
		hostAllowed := p.hosts[hostKey(host)]
		d := net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second,
			Control: func(_, address string, _ syscall.RawConn) error {
				ap, err := netip.ParseAddrPort(address)
				if err != nil {
					return err
				}
				return p.check(ap, byOperator, hostAllowed)
			}}
		return d.DialContext(ctx, network, addr)
	}
}

// IsRefusal reports whether err comes from the policy.
func IsRefusal(err error) bool {
	var r *Refusal
	return errors.As(err, &r)
}
