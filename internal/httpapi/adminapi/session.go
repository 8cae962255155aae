package adminapi

import (
	"fmt"
	"net/http"

	"github.com/tollgate-dev/tollgate/internal/admin"
)

// sessionCookie is the request's session cookie for tenant, or nil.
func (h *Handler) sessionCookie(r *http.Request, tenant string) *http.Cookie {
	if h.Cookies == nil {
		return nil
	}
	c, err := r.Cookie(h.Cookies.CookieName(tenant))
	if err != nil {
		return nil
	}
	return c
}

// authenticateSession authenticates a call by its session cookie, which
// the browser sends whoever made the page that asks: only a call from
// this server's own origin may use it (Sec-Fetch-Site: same-origin, or
// an Origin equal to the public URL's). Anything else is refused before
// the cookie is even looked up, so a cross-site request changes nothing.
func (h *Handler) authenticateSession(r *http.Request, tenant string) (admin.Principal, error) {
	if r.Header.Get("Sec-Fetch-Site") != "same-origin" && (h.Origin == "" || r.Header.Get("Origin") != h.Origin) {
		return admin.Principal{}, fmt.Errorf("a call authenticated by the session cookie must come from this server's own pages: %w", admin.ErrForbidden)
	}
	return h.Auth.AuthenticateSession(r.Context(), tenant, h.sessionCookie(r, tenant).Value)
}
