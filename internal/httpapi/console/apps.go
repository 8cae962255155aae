package console

import "github.com/tollgate-dev/tollgate/internal/httpapi/route"

func (h *Handler) registerApps(m *route.Mux) {}
