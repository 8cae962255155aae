package server

import (
	"net"

	"github.com/tollgate-dev/tollgate/internal/gateway/upstream"
)

// upstreamPolicy is the upstream policy of this server's gateway and
// admin API: the operator's allow-list, and every listener of this
// process, as bound (after --port-offset, ephemeral ports resolved), as
// its own.
func (s *Server) upstreamPolicy() (*upstream.Policy, error) {
	own := []net.Addr{s.ln.Addr(), s.gwLn.Addr()}
	if s.obs.debugL != nil {
		own = append(own, s.obs.debugL.Addr())
	}
	return upstream.NewPolicy(s.cfg.GatewayAllowUpstream, own...)
}
