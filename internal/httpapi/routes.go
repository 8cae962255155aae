// Package httpapi assembles the main listener: public OAuth endpoints,
// the browser sign-in pages, the console, the admin API, the token broker
// and operational
// endpoints, behind common middleware (request
// ids, panic recovery, access logs). Each surface registers its routes in
// its own package; this file is the one place they are put together.
package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/tollgate-dev/tollgate/internal/httpapi/adminapi"
	"github.com/tollgate-dev/tollgate/internal/httpapi/brokerapi"
	"github.com/tollgate-dev/tollgate/internal/httpapi/console"
	"github.com/tollgate-dev/tollgate/internal/httpapi/oauthapi"
	"github.com/tollgate-dev/tollgate/internal/httpapi/reqid"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
	"github.com/tollgate-dev/tollgate/internal/httpapi/signin"
)

// New returns the main listener's handler.
func New(o *oauthapi.Handler, s *signin.Handler, c *console.Handler, a *adminapi.Handler, b *brokerapi.Handler, ops *Ops, log *slog.Logger) http.Handler {
	m := route.New()
	m.HandleFunc("GET /healthz", ops.Healthz)
	m.HandleFunc("GET /readyz", ops.Readyz)
	o.Register(m)
	s.Register(m)
	c.Register(m)
	a.Register(m)
	b.Register(m)
	var h http.Handler = m
	if ops.metrics != nil {
		m.Handle("GET /metrics", ops.metrics.Handler())
		h = ops.metrics.instrument(m)
	}
	return reqid.Middleware(recoverPanics(withOrigin(h), log))
}
