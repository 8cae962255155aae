package console

import "github.com/tollgate-dev/tollgate/internal/httpapi/route"

func (h *Handler) registerSettings(m *route.Mux) {}
