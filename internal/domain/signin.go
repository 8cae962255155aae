package domain

import "time"

// Browser sign-in defaults (DESIGN §2 "Browser sign-in").
const (
	DefaultSessionIdleTimeout = 30 * time.Minute
	DefaultSessionMaxAge      = 12 * time.Hour
	MaxSessionMaxAge          = 30 * 24 * time.Hour
	// AuthCodeTTL is the longest an authorization code lives.
	AuthCodeTTL = 60 * time.Second
	// BootstrapSessionTTL is the life of a session opened with the
	// bootstrap token.
	BootstrapSessionTTL = time.Hour
)

// Authentication methods (RFC 8176) recorded in a session and an ID
// token's amr.
const (
	AMRPassword  = "pwd"
	AMRFederated = "fed"
	AMRBootstrap = "bootstrap" // not of RFC 8176: the bootstrap token
)

// Built-in OpenID Connect scopes every tenant has (OIDC Core §5.4).
const (
	ScopeOpenID  = "openid"
	ScopeProfile = "profile"
	ScopeEmail   = "email"
)

// IsOIDCScope reports the built-in OpenID Connect scopes, which are not
// stored with the tenant's scopes and no role needs to grant.
func IsOIDCScope(s string) bool {
	return s == ScopeOpenID || s == ScopeProfile || s == ScopeEmail
}

// Session is a user's browser session at a tenant. The cookie carries a
// 256-bit random value; only its SHA-256 is stored, so a copy of the
// database signs no one in.
type Session struct {
	Tenant string
	ID     string // public id: the ID token's sid, and the admin API's
	Hash   []byte // SHA-256 of the cookie value
	UserID string // "" for a bootstrap session
	// Bootstrap: opened with the bootstrap token (the console's first-time
	// setup); it acts with the token's rights, for at most
	// BootstrapSessionTTL.
	Bootstrap  bool
	Methods    []string  // amr
	AuthTime   time.Time // when the user last authenticated
	CreatedAt  time.Time
	LastSeenAt time.Time
	ExpiresAt  time.Time // absolute expiry: CreatedAt + the tenant's max age
}

// AuthCode is a stored authorization code (RFC 6749 §4.1.2), bound to
// everything the token request must repeat or the tokens must carry.
type AuthCode struct {
	Tenant        string
	Hash          []byte // SHA-256 of the code
	ClientID      string
	UserID        string
	SessionID     string
	RedirectURI   string
	CodeChallenge string // S256 (RFC 7636 §4.2)
	Nonce         string
	Scopes        []string
	Resources     []string
	Methods       []string
	AuthTime      time.Time
	CreatedAt     time.Time
	ExpiresAt     time.Time
	// FamilyID names the tokens issued from the code, so that a second
	// redemption can revoke them (RFC 6749 §4.1.2).
	FamilyID string
}

// Consent records the scopes a user granted a third-party client.
type Consent struct {
	Tenant    string
	UserID    string
	ClientID  string
	Scopes    []string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Audit actions of browser sign-in.
const (
	ActionSignIn           = "signin"
	ActionSignOut          = "signout"
	ActionConsent          = "consent"
	ActionFederationLink   = "federation.link"
	ActionFederationCreate = "federation.create"
)
