package console

import "github.com/tollgate-dev/tollgate/internal/httpapi/route"

func (h *Handler) registerUsers(m *route.Mux) {}
