package gateway

import (
	"net/http"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// WithTokenService returns the gateway listener's handler: requests for
// the token service's paths (domain.GatewayTokenPath: /token, /revoke,
// /{tenant}/oauth2/token and /{tenant}/oauth2/revoke) go to ts, every
// other request to g. The token paths come first; no API can be defined
// on them (domain.ValidateAPI).
func WithTokenService(g, ts http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if domain.GatewayTokenPath(r.URL.EscapedPath()) {
			ts.ServeHTTP(w, r)
			return
		}
		g.ServeHTTP(w, r)
	})
}
