package adminapi

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
}

// readOnly are attributes the server sets, left out of the document.
var readOnly = []string{"createdAt", "updatedAt", "clientSecretSet", "passwordSet", "hasSecret", "owner"}

func (h *Handler) configKinds() []configKind {
	return []configKind{
		{member: "scopes", typ: typeScope, list: h.listScopes, create: h.createScope, update: h.updateScope, del: h.deleteScope},
		{member: "roles", typ: typeRole, list: h.listRoles, create: h.createRole, update: h.updateRole, del: h.deleteRole},
		{member: "apis", typ: typeAPI, list: h.listAPIs, create: h.createAPI, update: h.updateAPI, del: h.deleteAPI},
		{member: "applications", typ: typeApplication, list: h.listApps, create: h.createApp, update: h.updateApp, del: h.deleteApp,
			idAttribute: "clientId", secrets: []string{"clientSecret"}},
		{member: "identityProviders", typ: typeIdentityProvider, list: h.listIdentityProviders, create: h.createIdentityProvider,
			update: h.updateIdentityProvider, del: h.deleteIdentityProvider, secrets: []string{"clientSecret"}},
		{member: "brokerProviders", typ: typeBrokerProvider, list: h.listBrokerProviders, create: h.createBrokerProvider,
			update: h.updateBrokerProvider, del: h.deleteBrokerProvider, secrets: []string{"clientSecret", "password"}},
	}
}
