package adminapi

import "github.com/tollgate-dev/tollgate/internal/httpapi/route"

// entityPrefixes: /api/entities/… is an alias of /api/v1/entities/….
var entityPrefixes = []string{"/api/v1/entities", "/api/entities"}

// Register adds every admin route to m. Tenant-scoped routes exist under
// /{tenant}/… and, for the default tenant, unprefixed; tenants themselves
// are managed only unprefixed.
func (h *Handler) Register(m *route.Mux) {
	for _, p := range entityPrefixes {
		m.HandleFunc("GET "+p+"/tenants", h.wrap(h.listTenants))
		m.HandleFunc("POST "+p+"/tenants", h.wrap(h.createTenant))
		m.HandleFunc("GET "+p+"/tenants/{id}", h.wrap(h.getTenant))
		m.HandleFunc("PATCH "+p+"/tenants/{id}", h.wrap(h.updateTenant))
		m.HandleFunc("DELETE "+p+"/tenants/{id}", h.wrap(h.deleteTenant))

		h.crud(m, p+"/users", h.listUsers, h.createUser, h.getUser, h.updateUser, h.deleteUser)
		h.crud(m, p+"/roles", h.listRoles, h.createRole, h.getRole, h.updateRole, h.deleteRole)
		h.crud(m, p+"/scopes", h.listScopes, h.createScope, h.getScope, h.updateScope, h.deleteScope)
		h.crud(m, p+"/applications", h.listApps, h.createApp, h.getApp, h.updateApp, h.deleteApp)
		m.Tenant("POST "+p+"/applications/{id}/secret", h.wrap(h.rotateAppSecret))
		// Gateway APIs, in apis.go.
		h.crud(m, p+"/apis", h.listAPIs, h.createAPI, h.getAPI, h.updateAPI, h.deleteAPI)
		h.apiTokenRoutes(m, p)          // users/{userId}/apiTokens, in apitokens.go
		h.embedRoutes(m, p)             // embedSettings, in embed.go
		h.gatewayCredentialRoutes(m, p) // in gatewaycreds.go
	}
	m.Tenant("POST /api/v1/actions/keys/rotate", h.wrap(h.rotateKey))    // body {"alg":…} optional, in keys.go
	m.Tenant("POST /api/v1/actions/users/import", h.wrap(h.importUsers)) // text/csv, in import.go
	m.Tenant("POST /api/v1/actions/users/{id}/unlock", h.wrap(h.unlockUser))
	m.Tenant("GET /api/v1/audit", h.wrap(h.listAudit))
	m.Tenant("GET /api/v1/stats/tokens", h.wrap(h.tokenStats))
	m.Tenant("GET /api/v1/stats/applications/{id}/users", h.wrap(h.applicationUsers))
	h.gatewayFeedRoutes(m) // for remote gateways, in gatewayfeed.go
}

// crud registers the five methods of a collection and its members.
func (h *Handler) crud(m *route.Mux, path string, list, create, get, update, del handlerFunc) {
	m.Tenant("GET "+path, h.wrap(list))
	m.Tenant("POST "+path, h.wrap(create))
	m.Tenant("GET "+path+"/{id}", h.wrap(get))
	m.Tenant("PATCH "+path+"/{id}", h.wrap(update))
	m.Tenant("DELETE "+path+"/{id}", h.wrap(del))
}
