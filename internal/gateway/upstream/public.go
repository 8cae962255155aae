package upstream

import "net/netip"

// notPublic lists the special-purpose ranges (IANA IPv4 and IPv6
// Special-Purpose Address Registries, RFC 6890) that are not a public
// service's address: private, shared, loopback, link-local (cloud
// metadata at 169.254.169.254), documentation, benchmarking, reserved,
// multicast and the translation ranges that can lead back inside.
var notPublic = prefixes(
	"0.0.0.0/8",       // "this network"; 0.0.0.0 dials this host
	"10.0.0.0/8",      // RFC 1918
	"100.64.0.0/10",   // shared address space (carrier-grade NAT)
	"127.0.0.0/8",     // loopback
	"169.254.0.0/16",  // link-local, cloud metadata
	"172.16.0.0/12",   // RFC 1918
	"192.0.0.0/24",    // IETF protocol assignments
	"192.0.2.0/24",    // documentation
	"192.88.99.0/24",  // 6to4 relay anycast
	"192.168.0.0/16",  // RFC 1918
	"198.18.0.0/15",   // benchmarking
	"198.51.100.0/24", // documentation
	"203.0.113.0/24",  // documentation
	"224.0.0.0/4",     // multicast
	"240.0.0.0/4",     // reserved, and broadcast
	"::/96",           // unspecified, loopback, IPv4-compatible (deprecated)
	"::ffff:0:0:0/96", // IPv4-translated
	"64:ff9b:1::/48",  // local-use IPv4/IPv6 translation
	"100::/64",        // discard-only
	"2001::/23",       // IETF protocol assignments, Teredo
	"2001:db8::/32",   // documentation
	"2002::/16",       // 6to4: embeds any IPv4 address
	"3fff::/20",       // documentation
	"fc00::/7",        // unique local
	"fe80::/10",       // link-local
	"fec0::/10",       // site-local (deprecated)
	"ff00::/8",        // multicast
)

// nat64 is the well-known NAT64 prefix (RFC 6052): its addresses stand
// for the IPv4 address in their last 32 bits.
var nat64 = netip.MustParsePrefix("64:ff9b::/96")

func prefixes(ss ...string) []netip.Prefix {
	out := make([]netip.Prefix, len(ss))
	for i, s := range ss {
		out[i] = netip.MustParsePrefix(s)
	}
	return out
}

// Public reports whether a is an address of the public internet.
func Public(a netip.Addr) bool {
	// A zone would make every prefix miss (netip.Prefix.Contains).
	a = a.Unmap().WithZone("")
	if !a.IsValid() {
		return false
	}
	if nat64.Contains(a) {
		b := a.As16()
		return Public(netip.AddrFrom4([4]byte(b[12:])))
	}
	for _, p := range notPublic {
		if p.Contains(a) {
			return false
		}
	}
	return true
}
