package console

import "github.com/tollgate-dev/tollgate/internal/httpapi/route"

// registerSettings adds the pages that configure a tenant's token service
// (identity providers in idps.go, the token broker's providers in
// broker.go, signing keys in keys.go) and, for the
// bootstrap session, the tenants themselves (tenants.go).
func (h *Handler) registerSettings(m *route.Mux) {
	m.Tenant("GET /console/idps", h.idps)
	m.Tenant("GET /console/idps/new", h.newIdP)
	m.Tenant("POST /console/idps", h.createIdP)
	m.Tenant("GET /console/idps/{id}", h.idp)
	m.Tenant("POST /console/idps/{id}", h.updateIdP)
	m.Tenant("POST /console/idps/{id}/enabled", h.enableIdP)
	m.Tenant("POST /console/idps/{id}/delete", h.deleteIdP)

	m.Tenant("GET /console/broker", h.brokers)
	m.Tenant("GET /console/broker/new", h.newBroker)
	m.Tenant("POST /console/broker", h.createBroker)
	m.Tenant("GET /console/broker/{id}", h.broker)
	m.Tenant("POST /console/broker/{id}", h.updateBroker)
	m.Tenant("POST /console/broker/{id}/delete", h.deleteBroker)

	m.Tenant("GET /console/keys", h.keys)
	m.Tenant("POST /console/keys/rotate", h.rotateKey)

	m.Tenant("GET /console/tenants", h.tenants)
	m.Tenant("POST /console/tenants", h.createTenant)
	m.Tenant("GET /console/tenants/{id}", h.tenant)
	m.Tenant("POST /console/tenants/{id}", h.updateTenant)
	m.Tenant("POST /console/tenants/{id}/delete", h.deleteTenant)
}
