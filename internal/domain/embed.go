package domain

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"time"
)

// User sources besides SourceLocal (DESIGN §2 "User sources"). Users of an
// external identity provider have the source "oidc:<provider>".
const (
	SourceCSV      = "csv"
	SourceDatabase = "database"
	SourceOIDC     = "oidc:"
)

// IsExternalSource reports whether users of source src sign in elsewhere.
func IsExternalSource(src string) bool { return strings.HasPrefix(src, SourceOIDC) }

// EmbedApplicationID is the client id of the built-in per-tenant
// application that tokens of the embed grant are issued to. Generated
// client ids are upper-case base32 (token.NewClientID), so it cannot
// collide with one; it has no ':', so it can be sent with HTTP Basic.
const EmbedApplicationID = "tollgate-embed"

// ConsoleApplicationID is the client id of the built-in web console of
// every tenant, a public client of the tenant's authorization endpoint;
// not stored, like the embed application.
const ConsoleApplicationID = "tollgate-console"

// LegacyEmbedApplicationID is the embed application's id before release
// 0013. It still authenticates, with client_secret_post (a ':' cannot be
// part of a Basic user-id, RFC 7617 §2); migration 0013 renamed it in
// stored refresh tokens, audit events and statistics.
const LegacyEmbedApplicationID = "tollgate:embed"

// EmbedSettings are a tenant's embed-secret authentication settings. The
// secret is kept sealed with the master key (the signed form needs the
// secret itself to compute the HMAC, so a one-way hash would not do).
type EmbedSettings struct {
	Tenant  string
	Enabled bool
	// SealedSecret is the secret.Sealer ciphertext of the embed secret;
	// empty until one is generated.
	SealedSecret []byte
	// Scopes of the built-in embed application: the most an embed token
	// may carry (further limited by the user's roles).
	Scopes          []string
	AccessTokenTTL  time.Duration
	RefreshTokenTTL time.Duration
	UpdatedAt       time.Time
}

// Application returns the built-in embed application these settings
// describe; it exists only in memory.
func (e *EmbedSettings) Application() *Application {
	access, refresh := e.AccessTokenTTL, e.RefreshTokenTTL
	if access <= 0 {
		access = DefaultAccessTokenTTL
	}
	if refresh <= 0 {
		refresh = DefaultRefreshTokenTTL
	}
	return &Application{
		Tenant:          e.Tenant,
		ID:              EmbedApplicationID,
		Name:            "Embed",
		GrantTypes:      []string{GrantEmbedSecret, GrantRefreshToken},
		Scopes:          e.Scopes,
		DefaultScopes:   e.Scopes,
		AccessTokenTTL:  access,
		RefreshTokenTTL: refresh,
		// The embed grant's sessions get the same protection against a
		// lost rotation answer as any application's.
		RefreshReuseGrace: DefaultRefreshReuseGrace,
	}
}

// ImportedHashKey identifies an imported password hash (User.ImportedHash)
// without keeping a second copy of it: its SHA-256, in hex.
func ImportedHashKey(hash string) string {
	sum := sha256.Sum256([]byte(hash))
	return hex.EncodeToString(sum[:])
}

// Outcomes of writing one imported user.
type UpsertOutcome int

const (
	UpsertCreated UpsertOutcome = iota + 1
	UpsertUpdated
	UpsertUnchanged
)

// EmbedSecretPrefix starts every generated embed secret, so secret
// scanners and people recognise a leaked one.
const EmbedSecretPrefix = "tge_"

// EmbedSecretAD is the associated data the embed secret is sealed with:
// a sealed secret copied to another tenant's row does not open.
func EmbedSecretAD(tenant string) []byte { return []byte("embed-secret:" + tenant) }

// ValidSource reports whether src is a user source Tollgate knows:
// local, csv, database or oidc:<provider>.
func ValidSource(src string) bool {
	switch src {
	case SourceLocal, SourceCSV, SourceDatabase:
		return true
	}
	provider, ok := strings.CutPrefix(src, SourceOIDC)
	return ok && provider != "" && !strings.ContainsAny(provider, " \t\r\n")
}
