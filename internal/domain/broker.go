package domain

import "time"

// Broker grant types: how Tollgate obtains a provider's upstream token.
const (
	BrokerGrantClientCredentials = "client_credentials"
	BrokerGrantPassword          = "password"
)

// DefaultBrokerRefreshBefore is how long before its expiry a cached
// upstream token is replaced, unless the provider says otherwise.
const DefaultBrokerRefreshBefore = 5 * time.Minute

// BrokerProvider is an upstream OAuth token endpoint (Azure AD for Power
// BI, typically) from which Tollgate obtains tokens on behalf of a
// tenant and hands them, cached, to its signed-in users and clients: the
// embedded-analytics "GetAccessToken" backend. Its secrets are sealed
// with the master key (Tollgate must send them) and never returned.
type BrokerProvider struct {
	Tenant string
	ID     string // URL slug: /{t}/broker/{id}/token
	// TokenURL may hold the placeholder {tenantId}, replaced by
	// UpstreamTenant.
	TokenURL       string
	UpstreamTenant string
	GrantType      string // BrokerGrantClientCredentials or BrokerGrantPassword
	ClientID       string
	// SealedClientSecret and SealedPassword are sealed with the master
	// key; nil: none.
	SealedClientSecret []byte
	Username           string
	SealedPassword     []byte
	Resource           string
	Scopes             []string
	// AllowedRoles: a signed-in user holding one of them may get the
	// token (a bearer token needs scope broker:{id} instead).
	AllowedRoles  []string
	RefreshBefore time.Duration
	// Default: the tenant's provider behind /{t}/tokens/GetAccessToken;
	// at most one per tenant.
	Default bool
	// ByOperator: the bootstrap token set the token URL, so Tollgate may
	// reach any address; a tenant admin's obeys the upstream allow-list.
	ByOperator bool
	CreatedAt  time.Time
	UpdatedAt  time.Time
}

// BrokerScope is the scope a bearer token needs to get provider id's
// upstream token.
func BrokerScope(id string) string { return "broker:" + id }

// BrokerToken is the upstream token last obtained for a provider, kept in
// the database so every node serves it and one refresh serves them all.
type BrokerToken struct {
	Tenant   string
	Provider string
	// Sealed is the access token, sealed with the master key.
	Sealed    []byte
	ExpiresAt time.Time
	// Resource the upstream says the token is for.
	Resource   string
	ObtainedAt time.Time
	// ProviderUpdatedAt is the provider's UpdatedAt when the token was
	// obtained: a token of older settings is not served.
	ProviderUpdatedAt time.Time
}

// EntityBrokerProvider is the change-feed entity of broker providers.
const EntityBrokerProvider = "broker_provider"

// Audit action of a token handed out by the broker.
const ActionBrokerToken = "broker.token"

// Sealing contexts (the associated data of secret.Sealer): a sealed value
// opens only as what it was sealed for, so one provider's secret cannot
// be swapped into another's row, nor a password for a client secret.
const (
	BrokerSealClientSecret = "client_secret"
	BrokerSealPassword     = "password"
	BrokerSealToken        = "token"
)

// BrokerSealAD is the associated data of provider id's sealed field of
// tenant: BrokerSealClientSecret, BrokerSealPassword or BrokerSealToken.
func BrokerSealAD(tenant, id, field string) []byte {
	return []byte("broker:" + tenant + ":" + id + ":" + field)
}
