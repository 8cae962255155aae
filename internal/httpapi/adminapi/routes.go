package adminapi

import (
	"github.com/tollgate-dev/tollgate/internal/gateway/feedwire"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
)

// entityPrefixes: /api/entities/… is an alias of /api/v1/entities/….
var entityPrefixes = []string{"/api/v1/entities", "/api/entities"}

// Register adds every admin route to m: this is the admin API's whole
// surface. m.Tenant routes exist under /{tenant}/… and, for the default
// tenant, unprefixed; m.HandleFunc routes (tenants, gateway credentials,
// the gateway feed) span tenants and exist only unprefixed.
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
		h.crud(m, p+"/apis", h.listAPIs, h.createAPI, h.getAPI, h.updateAPI, h.deleteAPI)
		h.crud(m, p+"/identityProviders", h.listIdentityProviders, h.createIdentityProvider,
			h.getIdentityProvider, h.updateIdentityProvider, h.deleteIdentityProvider) // idps.go
		h.crud(m, p+"/brokerProviders", h.listBrokerProviders, h.createBrokerProvider,
			h.getBrokerProvider, h.updateBrokerProvider, h.deleteBrokerProvider) // broker.go

		// A user's personal API tokens (apitokens.go); no PATCH.
		tokens := p + "/users/{userId}/apiTokens"
		m.Tenant("GET "+tokens, h.wrap(h.listAPITokens))
		m.Tenant("POST "+tokens, h.wrap(h.createAPIToken))
		m.Tenant("GET "+tokens+"/{id}", h.wrap(h.getAPIToken))
		m.Tenant("DELETE "+tokens+"/{id}", h.wrap(h.deleteAPIToken))

		// A user's browser sessions and consents (sessions.go): listed
		// and ended; DELETE on the sessions collection ends them all.
		sessions := p + "/users/{userId}/sessions"
		m.Tenant("GET "+sessions, h.wrap(h.listSessions))
		m.Tenant("DELETE "+sessions, h.wrap(h.deleteSessions))
		m.Tenant("DELETE "+sessions+"/{id}", h.wrap(h.deleteSession))
		consents := p + "/users/{userId}/consents"
		m.Tenant("GET "+consents, h.wrap(h.listConsents))
		m.Tenant("DELETE "+consents+"/{id}", h.wrap(h.deleteConsent)) // {id}: the client id

		// The tenant's embed settings, a singleton (embed.go); POST
		// …/secret generates or regenerates the secret.
		m.Tenant("GET "+p+"/embedSettings", h.wrap(h.getEmbed))
		m.Tenant("PATCH "+p+"/embedSettings", h.wrap(h.updateEmbed))
		m.Tenant("POST "+p+"/embedSettings/secret", h.wrap(h.regenerateEmbedSecret))

		// Remote gateways' credentials (gatewaycreds.go); no PATCH.
		creds := p + "/gatewayCredentials"
		m.HandleFunc("GET "+creds, h.wrap(h.listGatewayCredentials))
		m.HandleFunc("POST "+creds, h.wrap(h.createGatewayCredential))
		m.HandleFunc("GET "+creds+"/{id}", h.wrap(h.getGatewayCredential))
		m.HandleFunc("DELETE "+creds+"/{id}", h.wrap(h.deleteGatewayCredential))
	}
	m.Tenant("POST /api/v1/actions/keys/rotate", h.wrap(h.rotateKey))     // body {"alg":…} optional, in keys.go
	m.Tenant("GET /api/v1/actions/config/export", h.wrap(h.exportConfig)) // configuration as code, in config.go
	m.Tenant("POST /api/v1/actions/config/apply", h.wrap(h.applyConfig))
	m.Tenant("POST /api/v1/actions/users/import", h.wrap(h.importUsers)) // text/csv, in import.go
	m.Tenant("POST /api/v1/actions/users/{id}/unlock", h.wrap(h.unlockUser))
	m.Tenant("GET /api/v1/audit", h.wrap(h.listAudit))
	m.Tenant("GET /api/v1/stats/tokens", h.wrap(h.tokenStats))
	m.Tenant("GET /api/v1/stats/applications/{id}/users", h.wrap(h.applicationUsers))

	// The gateway feed for remote gateways (gatewayfeed.go): plain JSON,
	// read with a gateway credential or the bootstrap token.
	m.HandleFunc("GET "+feedwire.PathAPIs, h.authenticate(h.feedAPIs))
	m.HandleFunc("GET "+feedwire.PathKeys+"{tenant}", h.authenticate(h.feedKeys))
	m.HandleFunc("GET "+feedwire.PathRevocations, h.authenticate(h.feedRevocations))
	m.HandleFunc("GET "+feedwire.PathChanges, h.authenticate(h.feedChanges))
	m.HandleFunc("POST "+feedwire.PathVerifyAPIToken, h.authenticate(h.feedVerifyAPIToken))
}

// crud registers the five methods of a collection and its members.
func (h *Handler) crud(m *route.Mux, path string, list, create, get, update, del handlerFunc) {
	m.Tenant("GET "+path, h.wrap(list))
	m.Tenant("POST "+path, h.wrap(create))
	m.Tenant("GET "+path+"/{id}", h.wrap(get))
	m.Tenant("PATCH "+path+"/{id}", h.wrap(update))
	m.Tenant("DELETE "+path+"/{id}", h.wrap(del))
}
