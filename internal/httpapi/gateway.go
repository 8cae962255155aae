package httpapi

import (
	"log/slog"
	"net/http"

	"github.com/tollgate-dev/tollgate/internal/httpapi/oauthapi"
	"github.com/tollgate-dev/tollgate/internal/httpapi/reqid"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
)

// NewGatewayTokenService returns the token and revocation endpoints that
// the gateway listener of `tollgate serve` serves in-process
// (gateway.WithTokenService), behind the main listener's middleware.
func NewGatewayTokenService(o *oauthapi.Handler, log *slog.Logger) http.Handler {
	m := route.New()
	o.RegisterGateway(m)
	return reqid.Middleware(recoverPanics(withOrigin(m), log))
}
