package console

import (
	"net/http"

	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
)

func (h *Handler) registerOverview(m *route.Mux) {
	m.Tenant("GET /console/{$}", h.overview)
}

// overview is the console's home: the tenant at a glance for its admins;
// a user who administers nothing starts in the developer portal.
func (h *Handler) overview(w http.ResponseWriter, r *http.Request) {
	v, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	if !v.admin() {
		http.Redirect(w, r, route.Prefix(v.Tenant)+"/console/my/apps", http.StatusSeeOther)
		return
	}
	h.render(w, r, v, http.StatusOK, "overview", &page{Title: "Overview", Section: "overview"})
}
