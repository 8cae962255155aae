package signin

import (
	"net/http"
	"net/url"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
	"github.com/tollgate-dev/tollgate/internal/oauth"
)

// logout serves GET /{t}/oauth2/logout (RP-Initiated Logout 1.0). With
// an id_token_hint for the signed-in user the client asked, and the
// session ends at once; otherwise a page asks the user, since a link on
// any site could otherwise sign them out.
func (h *Handler) logout(w http.ResponseWriter, r *http.Request) {
	tenant := route.TenantOf(r)
	lr, sess, ok := h.parseLogout(w, r, tenant, r.URL.Query())
	if !ok {
		return
	}
	if sess == nil || lr.Hinted && lr.Subject == sess.UserID {
		h.endSession(w, r, lr, sess)
		return
	}
	p := h.newPage(w, r, tenant, "Sign out")
	p.User, p.Action, p.Authz = sess.UserID, route.Prefix(tenant)+"/oauth2/logout", r.URL.RawQuery
	render(w, http.StatusOK, "logout", p, origin(lr.Redirect))
}

// confirmLogout serves POST /{t}/oauth2/logout: the user's confirmation.
func (h *Handler) confirmLogout(w http.ResponseWriter, r *http.Request) {
	tenant := route.TenantOf(r)
	q, ok := h.readForm(w, r)
	if !ok {
		return
	}
	if lr, sess, ok := h.parseLogout(w, r, tenant, q); ok {
		h.endSession(w, r, lr, sess)
	}
}

// parseLogout validates the logout request q and finds the browser's
// session (nil: none); on a failure it has answered and ok is false.
func (h *Handler) parseLogout(w http.ResponseWriter, r *http.Request, tenant string, q url.Values) (_ *oauth.LogoutRequest, _ *domain.Session, ok bool) {
	lr, err := h.oauth.ParseLogout(r.Context(), tenant, q)
	if err != nil {
		h.fail(w, r, tenant, err)
		return nil, nil, false
	}
	sess, err := h.sessions.Find(r.Context(), r, tenant)
	if err != nil {
		h.fail(w, r, tenant, oauth.ServerError(err))
		return nil, nil, false
	}
	return lr, sess, true
}

// endSession ends sess (nil: none) in the store, so on every node, clears
// the cookie and goes where the request said.
func (h *Handler) endSession(w http.ResponseWriter, r *http.Request, lr *oauth.LogoutRequest, sess *domain.Session) {
	ctx := r.Context()
	cookie, err := h.sessions.End(ctx, lr.Tenant, sess)
	if err != nil {
		h.fail(w, r, lr.Tenant, oauth.ServerError(err))
		return
	}
	http.SetCookie(w, cookie)
	if sess != nil {
		h.record(ctx, r, domain.AuditEvent{Tenant: lr.Tenant, Action: domain.ActionSignOut, Outcome: domain.OutcomeSuccess, UserID: sess.UserID})
	}
	if lr.Redirect != "" {
		http.Redirect(w, r, lr.Redirect, http.StatusSeeOther)
		return
	}
	p := h.newPage(w, r, lr.Tenant, "Signed out")
	p.Message = "You are signed out."
	render(w, http.StatusOK, "message", p, "")
}
