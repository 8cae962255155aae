package adminclient

// GatewayCredentials is the collection of gateway credentials, with which
// remote gateways read the gateway feed; they span tenants.
const GatewayCredentials = "gatewayCredentials"

func init() {
	resourceTypes[GatewayCredentials] = "gatewayCredential"
	// The secret (bearerToken) is in the create answer only.
	Columns[GatewayCredentials] = []string{"id", "description", "createdAt"}
}
