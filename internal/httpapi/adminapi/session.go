package adminapi

import (
	"fmt"
	"net/http"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/session"
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

// authenticateSession authenticates a call by its session cookie, only
// from this server's own pages (session.FromOwnPage).
func (h *Handler) authenticateSession(r *http.Request, tenant string) (admin.Principal, error) {
	if !session.FromOwnPage(r, h.Origin) {
		return admin.Principal{}, fmt.Errorf("a call authenticated by the session cookie must come from this server's own pages: %w", admin.ErrForbidden)
	}
	return h.Auth.AuthenticateSession(r.Context(), tenant, h.sessionCookie(r, tenant).Value)
}
