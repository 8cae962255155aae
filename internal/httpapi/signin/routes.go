package signin

import (
	"github.com/tollgate-dev/tollgate/internal/httpapi/htmlpage"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
)

// Register adds the browser sign-in routes (DESIGN §2 "Browser sign-in").
func (h *Handler) Register(m *route.Mux) {
	m.Tenant("GET /oauth2/authorize", h.authorize)
	m.Tenant("POST /oauth2/authorize", h.authorize)
	m.Tenant("GET /login", h.loginPage)
	m.Tenant("POST /login", h.login)
	m.Tenant("POST /login/consent", h.consent)
	m.Tenant("GET /login/federate/{provider}", h.federate)
	m.Tenant("GET /login/callback/{provider}", h.callback)
	m.Tenant("GET /oauth2/logout", h.logout)
	m.Tenant("POST /oauth2/logout", h.confirmLogout)
	m.Handle("GET "+staticPath+"/", htmlpage.Static(staticFS, staticPath))
}
