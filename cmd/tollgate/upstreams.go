package main

import (
	"net"

	"github.com/tollgate-dev/tollgate/internal/gateway/upstream"
)

// upstreamPolicy is the upstream policy of this server's gateway and
// admin API: the operator's allow-list, and every listener of this
// process, as bound (after --port-offset, ephemeral ports resolved), as
// its own.
func (a *app) upstreamPolicy() (*upstream.Policy, error) {
	own := []net.Addr{a.ln.Addr(), a.gwLn.Addr()}
	if a.obs.debugLn != nil {
		own = append(own, a.obs.debugLn)
	}
	return upstream.NewPolicy(a.cfg.GatewayAllowUpstream, own...)
}
