package console

import (
	"errors"
	"net/http"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
)

// visit is a signed-in request to a page of the tenant Tenant.
type visit struct {
	Tenant string
	// P is who acts: the session's user, or the bootstrap token.
	P admin.Principal
	// SessionTenant is the tenant whose session signed the visit in: the
	// default tenant's for a bootstrap session that manages another one.
	SessionTenant string
}

// admin reports whether the visitor administers the page's tenant.
func (v *visit) admin() bool { return v.P.IsAdminOf(v.Tenant) }

// signedIn returns the request's visit, or answers: a redirect through
// sign-in back to this page, or an error page. A bootstrap session,
// which the default tenant's first-time setup opens, signs in to every
// tenant's console: that is how the server's operator manages them all.
func (h *Handler) signedIn(w http.ResponseWriter, r *http.Request) (*visit, bool) {
	tenant := route.TenantOf(r)
	p, err := h.principal(r, tenant)
	from := tenant
	if errors.Is(err, admin.ErrUnauthenticated) && tenant != domain.DefaultTenant {
		if b, berr := h.principal(r, domain.DefaultTenant); berr == nil && b.Bootstrap {
			p, err, from = b, nil, domain.DefaultTenant
		}
	}
	switch {
	case err == nil:
		return &visit{Tenant: tenant, P: p, SessionTenant: from}, true
	case errors.Is(err, admin.ErrUnauthenticated):
		if r.Method != http.MethodGet {
			// The form's session ended: sign in again, back to its page
			// (the form is not replayed).
			r.URL.RawQuery = ""
		}
		h.startSignIn(w, r, tenant)
	default:
		h.Logger.WarnContext(r.Context(), "console: find session", "tenant", tenant, "err", err)
		h.problem(w, r, http.StatusServiceUnavailable, "The service is temporarily unavailable. Try again shortly.")
	}
	return nil, false
}

// principal authenticates the request's session cookie for tenant.
func (h *Handler) principal(r *http.Request, tenant string) (admin.Principal, error) {
	c, err := r.Cookie(h.Sessions.CookieName(tenant))
	if err != nil {
		return admin.Principal{}, admin.ErrUnauthenticated
	}
	return h.Auth.AuthenticateSession(r.Context(), tenant, c.Value)
}

// adminVisit is signedIn for an admin page: a visitor who does not
// administer the tenant gets a 403 page.
func (h *Handler) adminVisit(w http.ResponseWriter, r *http.Request) (*visit, bool) {
	v, ok := h.signedIn(w, r)
	if !ok {
		return nil, false
	}
	if !v.admin() {
		h.forbidden(w, r, v)
		return nil, false
	}
	return v, true
}

// userVisit is signedIn for a developer-portal page, which is about the
// signed-in user: the bootstrap token, nobody's, has none.
func (h *Handler) userVisit(w http.ResponseWriter, r *http.Request) (*visit, bool) {
	v, ok := h.signedIn(w, r)
	if !ok {
		return nil, false
	}
	if v.P.Subject == "" {
		h.render(w, r, v, http.StatusForbidden, "message", &page{Title: "Developer portal",
			Message: "The developer portal is about the signed-in user's own applications and tokens; the bootstrap token is nobody's. Sign in as a user to use it."})
		return nil, false
	}
	return v, true
}

// forbidden shows the 403 page.
func (h *Handler) forbidden(w http.ResponseWriter, r *http.Request, v *visit) {
	h.render(w, r, v, http.StatusForbidden, "message", &page{Title: "Not allowed",
		Message: "This page is for the tenant's administrators: it needs the scope " + domain.AdminScope + "."})
}
