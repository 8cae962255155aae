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
