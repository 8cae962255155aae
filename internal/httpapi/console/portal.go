package console

import (
	"net/http"

	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
)

func (h *Handler) registerPortal(m *route.Mux) {
	m.Tenant("GET /console/my/apps", func(w http.ResponseWriter, r *http.Request) {
		if v, ok := h.userVisit(w, r); ok {
			h.render(w, r, v, http.StatusOK, "overview", &page{Title: "My applications", Section: "my-apps"})
		}
	})
}
