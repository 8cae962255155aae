package server

import (
	"net/http"
	"net/http/pprof"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// The routes of the listeners this package builds itself. The main
// listener's are in internal/httpapi/routes.go (with the OAuth and admin
// surfaces in oauthapi/routes.go and adminapi/routes.go); the gateway
// listener routes by the APIs' contexts, plus the token paths of
// oauthapi.RegisterGateway.

// debugMux serves net/http/pprof. It is never part of the main mux: the
// profiles expose internals and cost CPU, so they live on a listener an
// operator chooses to open.
func debugMux() *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("/debug/pprof/", pprof.Index)
	m.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	m.HandleFunc("/debug/pprof/profile", pprof.Profile)
	m.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	m.HandleFunc("/debug/pprof/trace", pprof.Trace)
	return m
}

// opsMux is the remote gateway's --addr listener: health, readiness (is
// the key manager answering?) and metrics.
func (rg *Gateway) opsMux(reg *prometheus.Registry) *http.ServeMux {
	m := http.NewServeMux()
	m.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("ok\n")) })
	m.HandleFunc("GET /readyz", rg.readyz)
	m.Handle("GET /metrics", promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg}))
	return m
}
