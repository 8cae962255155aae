package domain

import "time"

// DefaultTenant is created on first start; its URLs also exist without the
// /{tenant} prefix.
const DefaultTenant = "default"

// Built-in names created in every tenant.
const (
	AdminScope = "tollgate:admin" // grants the admin API on its tenant
	AdminRole  = "admin"          // holds AdminScope
)

// Grant types an application may be allowed.
const (
	GrantPassword          = "password"
	GrantClientCredentials = "client_credentials"
	GrantRefreshToken      = "refresh_token"
	GrantEmbedSecret       = "embed_secret"
	GrantAuthorizationCode = "authorization_code"
)

// Client types (RFC 6749 §2.1).
const (
	ClientConfidential = "confidential" // authenticates with its secret
	ClientPublic       = "public"       // a browser or native app: no secret
)

// Default token lifetimes (DESIGN §2) and the longest an admin may set.
const (
	DefaultAccessTokenTTL  = time.Hour
	DefaultRefreshTokenTTL = 24 * time.Hour
	MaxAccessTokenTTL      = 24 * time.Hour
	MaxRefreshTokenTTL     = 365 * 24 * time.Hour
	// A just-rotated refresh token may be presented again this long and
	// get the same successor (Application.RefreshReuseGrace).
	DefaultRefreshReuseGrace = 30 * time.Second
	MaxRefreshReuseGrace     = 5 * time.Minute
)

// User sources.
const SourceLocal = "local"

// Tenant is an isolated namespace of users, applications, scopes and keys.
type Tenant struct {
	ID   string // URL slug
	Name string
	// APITokenMaxTTL caps the lifetime of API tokens created from now on;
	// 0: no cap. Tokens that exist keep their expiry when it changes.
	APITokenMaxTTL time.Duration
	// SessionIdleTimeout and SessionMaxAge bound browser sessions; 0: the
	// defaults (DefaultSessionIdleTimeout, DefaultSessionMaxAge).
	SessionIdleTimeout time.Duration
	SessionMaxAge      time.Duration
	CreatedAt          time.Time
}

// User is an end user who may obtain tokens.
type User struct {
	Tenant       string
	ID           string // username, unique in the tenant
	Email        string
	DisplayName  string
	PasswordHash string // PHC string; empty: no local password (SSO, imported)
	// ImportedHash is ImportedHashKey of the password hash an import
	// wrote last; a sign-in that upgrades the hash keeps it, so importing
	// the same hash again is no change. "": none.
	ImportedHash string
	Roles        []string
	Source       string
	Disabled     bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
}

// Role names a set of scopes a user holding it may be granted.
type Role struct {
	Tenant string
	ID     string
	Scopes []string
}

// Scope is a permission string known to the tenant.
type Scope struct {
	Tenant      string
	ID          string
	Description string
}

// Application is an OAuth client.
type Application struct {
	Tenant          string
	ID              string // client_id
	Name            string
	SecretHash      []byte // secret.HashToken of the client secret
	GrantTypes      []string
	Scopes          []string // scopes the client may request
	DefaultScopes   []string // granted when a request names none
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	// RefreshReuseGrace is how long a rotated refresh token may be
	// presented again to get the same successor, for a client that lost
	// the answer to its rotation; 0: never (every reuse revokes).
	RefreshReuseGrace time.Duration
	// ClientType is ClientConfidential or ClientPublic.
	ClientType string
	// RedirectURIs are where authorization responses may go, matched
	// exactly (ValidateRedirectURI); PostLogoutRedirectURIs likewise for
	// RP-initiated logout.
	RedirectURIs           []string
	PostLogoutRedirectURIs []string
	// FirstParty applications skip the consent page.
	FirstParty bool
	// IDTokenSigningAlg is "" (the tenant's signing algorithm) or "RS256".
	IDTokenSigningAlg string
	// Owner is the user who registered the application in the developer
	// portal; "" for applications admins create.
	Owner string
	// JWKS (a JWK Set, as JSON) or JWKSURI (where one is served) holds
	// the public keys of a client that authenticates with private_key_jwt
	// (RFC 7523 §2.2); both "" for one that does not.
	JWKS    string
	JWKSURI string
	// RequireDPoP refuses a token request without a DPoP proof (RFC
	// 9449): every access token the client gets is bound to a key.
	RequireDPoP bool
	// TokenExchange, when set, lets the client exchange tokens (RFC
	// 8693) as it says; nil: no exchange.
	TokenExchange *TokenExchangePolicy
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// UsesKeys reports whether the application registered public keys for
// private_key_jwt.
func (a *Application) UsesKeys() bool { return a.JWKS != "" || a.JWKSURI != "" }

// IsPublic reports whether the application is a public client.
func (a *Application) IsPublic() bool { return a.ClientType == ClientPublic }

// AllowsGrant reports whether the application may use grant type g.
func (a *Application) AllowsGrant(g string) bool {
	for _, x := range a.GrantTypes {
		if x == g {
			return true
		}
	}
	return false
}

// RefreshToken is the stored record of an opaque refresh token. Only the
// hash of the token is kept.
type RefreshToken struct {
	Tenant    string
	Hash      []byte // storage key: token.RefreshKey (issue time + SHA-256 of the token)
	FamilyID  string // shared by every token rotated from the same grant
	ClientID  string
	Subject   string // user id
	Scopes    []string
	Audience  []string
	ExpiresAt time.Time
	CreatedAt time.Time
	// JKT binds the token of a public client to the DPoP key it was
	// issued with (RFC 9449 §5): refreshing it takes a proof by that key.
	// "" for an unbound token.
	JKT string
	// Sealed is the token itself, sealed with the master key, kept while
	// its predecessor may still be presented again (until SealedUntil), so
	// that a retry gets this same token; nil once the grace is over.
	Sealed      []byte
	SealedUntil time.Time
}

// Rotation is the outcome of a refresh-token rotation: the consumed record
// and its user's standing read with it, since the grant needs both and on
// PostgreSQL one statement costs less than two.
type Rotation struct {
	Consumed   RefreshToken
	UserActive bool     // the user exists and is not disabled
	UserScopes []string // what the user's roles grant now (sorted)
	// Successor is set when the consumed token had been rotated already,
	// within the grace period of its successor, which had not been used
	// yet: nothing was stored, and the client gets that successor again
	// (Hash, Sealed and SealedUntil set).
	Successor *RefreshToken
}

// Uses of signing keys. A tenant has one active key per use: the access
// token key, and, once an application asks for RS256 ID tokens while the
// tenant signs with another algorithm, an RS256 key that signs only those
// (OIDC Core §15.1). Both are published in the JWKS; rotating one leaves
// the other active.
const (
	KeyUseTokens  = ""         // access tokens, and ID tokens of the tenant's algorithm
	KeyUseIDToken = "id_token" // RS256 ID tokens only, never access tokens
)

// SigningKey is a tenant's JWT signing key. The private key is stored
// encrypted with the master key.
type SigningKey struct {
	Tenant     string
	ID         string // JWK kid
	Algorithm  string // JWS alg, e.g. ES256
	Use        string // KeyUseTokens or KeyUseIDToken
	PublicKey  []byte // JWK JSON of the public key
	PrivateKey []byte // sealed private key (secret.Sealer)
	// CreatedAt is when the key starts signing. A key scheduled by
	// automatic rotation has it in the future: it is published before it
	// signs, so verifiers' caches already hold it when it does.
	CreatedAt    time.Time
	RetiredAt    *time.Time // when a newer key took over signing, or will
	PublishUntil *time.Time // retired keys stay in the JWKS until then
}

// Signs reports whether k is the key that signs at now, given that it is
// the newest such key of its use: it has started and is not retired.
func (k *SigningKey) Signs(now time.Time) bool {
	return !k.CreatedAt.After(now) && (k.RetiredAt == nil || now.Before(*k.RetiredAt))
}

// Pending reports whether k is published ahead of signing at now.
func (k *SigningKey) Pending(now time.Time) bool { return k.CreatedAt.After(now) }

// KeyUseRef names one tenant's keys of one use.
type KeyUseRef struct{ Tenant, Use string }

// Revocation kinds.
const (
	RevokeTokenID = "jti"    // one access token, by its jti
	RevokeFamily  = "family" // every token of a refresh family
	// RevokeAPIToken: a deleted API token, by the hex SHA-256 of its string,
	// so nodes that cached it refuse it before their cache expires.
	RevokeAPIToken = "api_token"
)

// Revocation marks an access token (by jti) or a whole refresh family as
// revoked until ExpiresAt, after which no token it covers can be valid
// anyway. Seq orders revocations so nodes can follow them incrementally.
type Revocation struct {
	Seq       int64
	Tenant    string
	Kind      string
	Value     string
	ExpiresAt time.Time
}

// Page selects a slice of a list ordered by ID: the records whose ID sorts
// after After, at most Limit of them. Lists that search (users, tenants,
// applications) also take Prefix: only IDs that start with it.
type Page struct {
	After  string
	Limit  int
	Prefix string
}
