package console

import (
	"net/http"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// mySessionsData is the page of the user's sessions and consents.
type mySessionsData struct {
	Sessions []domain.Session
	Current  string // this browser's session
	Consents []domain.Consent
}

// mySessions serves GET /console/my/sessions.
func (h *Handler) mySessions(w http.ResponseWriter, r *http.Request) {
	v, ok := h.userVisit(w, r)
	if !ok {
		return
	}
	ss, err := h.Admin.ListSessions(r.Context(), v.P, v.Tenant, v.P.Subject)
	if err != nil {
		h.failPage(w, r, v, "Sessions and consents", "my-sessions", err)
		return
	}
	cs, err := h.Admin.ListConsents(r.Context(), v.P, v.Tenant, v.P.Subject)
	if err != nil {
		h.failPage(w, r, v, "Sessions and consents", "my-sessions", err)
		return
	}
	h.render(w, r, v, http.StatusOK, "my-sessions", &page{Title: "Sessions and consents", Section: "my-sessions",
		Flash: flashOf(r), Data: mySessionsData{Sessions: ss, Current: v.P.SessionID, Consents: cs}})
}

// endSession serves POST /console/my/sessions/{id}/end: that browser is
// signed out everywhere at once (sessions are read on every request).
func (h *Handler) endSession(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.userVisit)
	if !ok {
		return
	}
	if err := h.Admin.EndSession(r.Context(), v.P, v.Tenant, v.P.Subject, r.PathValue("id")); err != nil {
		h.failPage(w, r, v, "Sessions and consents", "my-sessions", err)
		return
	}
	seeOther(w, r, portalPath(v, "sessions", "session-ended"))
}

// revokeConsent serves POST /console/my/consents/{client}/revoke.
func (h *Handler) revokeConsent(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.userVisit)
	if !ok {
		return
	}
	if err := h.Admin.RevokeConsent(r.Context(), v.P, v.Tenant, v.P.Subject, r.PathValue("client")); err != nil {
		h.failPage(w, r, v, "Sessions and consents", "my-sessions", err)
		return
	}
	seeOther(w, r, portalPath(v, "sessions", "consent-revoked"))
}
