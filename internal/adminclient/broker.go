package adminclient

// BrokerProviders is the collection of the token broker's upstream
// providers (DESIGN §2 "Token broker").
const BrokerProviders = "brokerProviders"

func init() {
	resourceTypes[BrokerProviders] = "brokerProvider"
	// The secrets are write-only: clientSecretSet and passwordSet say
	// whether one is stored.
	Columns[BrokerProviders] = []string{"id", "tokenUrl", "upstreamTenant", "grantType", "clientId",
		"clientSecretSet", "username", "passwordSet", "resource", "scopes", "allowedRoles",
		"refreshBeforeSeconds", "default"}
}
