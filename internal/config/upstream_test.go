package config

import (
	"slices"
	"strings"
	"testing"
)

func TestGatewayAllowUpstream(t *testing.T) {
	c, err := parse(t, "--gateway-allow-upstream", "10.0.0.0/8", "--gateway-allow-upstream", "svc.internal,192.168.1.1")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"10.0.0.0/8", "svc.internal", "192.168.1.1"}; !slices.Equal(c.GatewayAllowUpstream, want) {
		t.Fatalf("allow-list %q, want %q", c.GatewayAllowUpstream, want)
	}
	if _, err := parse(t, "--gateway-allow-upstream", "http://svc"); err == nil || !strings.Contains(err.Error(), "--gateway-allow-upstream") {
		t.Fatalf("a URL in the allow-list: %v", err)
	}
	g := Gateway{KeyManagers: []string{"http://km"}, Token: "t", Addr: "127.0.0.1:0", GatewayAddr: "127.0.0.1:0",
		GatewayAllowUpstream: []string{"10.0.0.0/33"}}
	if err := g.Validate(); err == nil || !strings.Contains(err.Error(), "--gateway-allow-upstream") {
		t.Fatalf("gateway: bad CIDR in the allow-list: %v", err)
	}
}
