package adminapi

import (
	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Configuration as code (config.go) covers these kinds of a tenant's
// resources, in the order apply writes them: each may name those before
// it (a role its scopes, an application its scopes, a provider its
// roles), and prune deletes in the reverse order.

// configKind is one collection of the configuration document, served by
// the admin API's own handlers, so that a file is validated, checked and
// stored exactly as the same calls to the API would be.
type configKind struct {
	member                    string // the document's member, and the collection's path
	typ                       string // the JSON:API type
	list, create, update, del handlerFunc
	// idAttribute, when set, is an attribute that repeats the id (an
	// application's clientId), left out of the document.
	idAttribute string
	// secrets are write-only attributes: given in a file (by reference,
	// resolved by whoever reads the file), sent on create only, never
	// exported.
	secrets []string
	// addresses: the items name addresses the server reaches (upstreams,
	// issuers, token URLs). A file applies them under the tenant admin's
	// rule whoever applies it: an export carries no operator approval,
	// and a URL a tenant admin once set must not gain one by a
	// bootstrap apply.
	addresses bool
}

// readOnly are attributes the server sets, left out of the document.
var readOnly = []string{"createdAt", "updatedAt", "clientSecretSet", "passwordSet", "hasSecret", "owner"}

func (h *Handler) configKinds() []configKind {
	return []configKind{
		{member: "scopes", typ: typeScope, list: h.listScopes, create: h.createScope, update: h.updateScope, del: h.deleteScope},
		{member: "roles", typ: typeRole, list: h.listRoles, create: h.createRole, update: h.updateRole, del: h.deleteRole},
		{member: "apis", typ: typeAPI, list: h.listAPIs, create: h.createAPI, update: h.updateAPI, del: h.deleteAPI, addresses: true},
		{member: "applications", typ: typeApplication, list: h.listApps, create: h.createApp, update: h.updateApp, del: h.deleteApp,
			idAttribute: "clientId", secrets: []string{"clientSecret"}},
		{member: "identityProviders", typ: typeIdentityProvider, list: h.listIdentityProviders, create: h.createIdentityProvider,
			update: h.updateIdentityProvider, del: h.deleteIdentityProvider, secrets: []string{"clientSecret"}, addresses: true},
		{member: "brokerProviders", typ: typeBrokerProvider, list: h.listBrokerProviders, create: h.createBrokerProvider,
			update: h.updateBrokerProvider, del: h.deleteBrokerProvider, secrets: []string{"clientSecret", "password"}, addresses: true},
	}
}

// asTenantAdmin is the principal k's items are written as: the bootstrap
// principal applies items that name addresses as an admin of the tenant
// would (see configKind.addresses).
func asTenantAdmin(c call, k configKind) call {
	if !k.addresses || !c.p.Bootstrap {
		return c
	}
	c.p = admin.Principal{Tenant: c.tenant, Subject: "(bootstrap, configuration file)", Scopes: []string{domain.AdminScope}}
	return c
}
