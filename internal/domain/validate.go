package domain

import (
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

var (
	tenantSlug = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,62}$`)
	roleID     = regexp.MustCompile(`^[A-Za-z0-9_.:-]{1,64}$`)
)

// reservedSlugs are top-level path names a tenant slug may not take, since
// the default tenant's routes live there (DESIGN §2 "Tenants in URLs").
var reservedSlugs = []string{
	"api", "oauth2", "token", "revoke", "introspect", "console", "broker",
	"metrics", "healthz", "readyz", ".well-known", "gateway", "static",
	"debug", "admin", "auth", "login", "logout",
}

// ValidateTenant checks a tenant before it is stored.
func ValidateTenant(t *Tenant) error {
	if err := ValidID("id", t.ID); err != nil {
		return err
	}
	if !tenantSlug.MatchString(t.ID) {
		return Invalid("id", "must be 1-63 lower-case letters, digits or '-', starting with a letter or digit")
	}
	if slices.Contains(reservedSlugs, t.ID) {
		return Invalid("id", "%q is reserved", t.ID)
	}
	if err := checkText("name", t.Name, 200); err != nil {
		return err
	}
	if t.APITokenMaxTTL < 0 || t.APITokenMaxTTL > MaxAPITokenMaxTTL || t.APITokenMaxTTL%time.Second != 0 {
		return InvalidAPITokenMaxTTL()
	}
	return validateSessionTimeouts(t)
}

// InvalidAPITokenMaxTTL is the error for an apiTokenMaxTtl out of range;
// the API refuses such values with it before converting them to a
// Duration, which could overflow.
func InvalidAPITokenMaxTTL() error {
	return Invalid("apiTokenMaxTtl", "must be 0 (no cap) or a whole number of seconds up to %d", int64(MaxAPITokenMaxTTL/time.Second))
}

// ValidateUser checks a user before it is stored.
func ValidateUser(u *User) error {
	if err := ValidID("id", u.ID); err != nil {
		return err
	}
	if err := checkName("id", u.ID, 255); err != nil {
		return err
	}
	if err := checkText("email", u.Email, 320); err != nil {
		return err
	}
	if u.Email != "" && !strings.Contains(u.Email, "@") {
		return Invalid("email", "not an email address")
	}
	if err := checkText("displayName", u.DisplayName, 200); err != nil {
		return err
	}
	for _, r := range u.Roles {
		if !roleID.MatchString(r) {
			return Invalid("roles", "bad role name %q", r)
		}
	}
	return checkText("source", u.Source, 100)
}

// ValidateRole checks a role before it is stored.
func ValidateRole(r *Role) error {
	if err := ValidID("id", r.ID); err != nil {
		return err
	}
	if !roleID.MatchString(r.ID) {
		return Invalid("id", "must be 1-64 letters, digits or '_.:-'")
	}
	return checkScopes("scopes", r.Scopes)
}

// ScopeDefault, requested alone, asks for the application's default
// scopes (API-manager clients send scope=default); it names no scope.
const ScopeDefault = "default"

// ValidateScope checks a scope before it is stored.
func ValidateScope(s *Scope) error {
	if err := checkID("id", s.ID, true); err != nil {
		return err
	}
	if !ValidScopeToken(s.ID) {
		return Invalid("id", "must be 1-128 printable ASCII characters without space, '\"' or '\\' (RFC 6749 §3.3)")
	}
	if s.ID == ScopeDefault {
		return Invalid("id", "%q is reserved: a token request for scope %q means the application's default scopes", s.ID, s.ID)
	}
	if IsOIDCScope(s.ID) {
		// Every tenant has them and no role needs to grant them: a
		// stored scope of that name would protect nothing.
		return Invalid("id", "%q is a built-in OpenID Connect scope of every tenant", s.ID)
	}
	return checkText("description", s.Description, 1000)
}

// ValidateApplication checks an application before it is stored.
func ValidateApplication(a *Application) error {
	if err := checkText("name", a.Name, 200); err != nil {
		return err
	}
	if a.Name == "" {
		return Invalid("name", "is required")
	}
	for _, g := range a.GrantTypes {
		switch g {
		case GrantPassword, GrantClientCredentials, GrantRefreshToken, GrantEmbedSecret, GrantAuthorizationCode, GrantTokenExchange:
		default:
			return Invalid("grantTypes", "unknown grant type %q", g)
		}
	}
	if err := checkScopes("scopes", a.Scopes); err != nil {
		return err
	}
	if err := checkScopes("defaultScopes", a.DefaultScopes); err != nil {
		return err
	}
	for _, s := range a.DefaultScopes {
		if !slices.Contains(a.Scopes, s) {
			return Invalid("defaultScopes", "%q is not among the application's scopes", s)
		}
	}
	if a.AccessTokenTTL <= 0 || a.AccessTokenTTL > MaxAccessTokenTTL {
		return Invalid("accessTokenTtl", "must be between 1 and %d seconds", int(MaxAccessTokenTTL.Seconds()))
	}
	if a.RefreshTokenTTL <= 0 || a.RefreshTokenTTL > MaxRefreshTokenTTL {
		return Invalid("refreshTokenTtl", "must be between 1 and %d seconds", int(MaxRefreshTokenTTL.Seconds()))
	}
	if a.RefreshReuseGrace < 0 || a.RefreshReuseGrace > MaxRefreshReuseGrace || a.RefreshReuseGrace%time.Second != 0 {
		return Invalid("refreshReuseGraceSeconds", "must be between 0 and %d seconds", int(MaxRefreshReuseGrace.Seconds()))
	}
	if err := validateClientKeys(a); err != nil {
		return err
	}
	if err := validateTokenExchange(a); err != nil {
		return err
	}
	return validateClientSignIn(a)
}

// MaxClientKeysBytes bounds an application's inline JWK Set.
const MaxClientKeysBytes = 32 << 10

// validateClientKeys checks where a private_key_jwt client's keys are:
// inline or at a URL, not both, and only for a confidential client (a
// public one has no credentials). The key set itself is read by package
// token, the URL's address by the upstream rule.
func validateClientKeys(a *Application) error {
	switch {
	case a.JWKS != "" && a.JWKSURI != "":
		return Invalid("jwksUri", "give jwks or jwksUri, not both")
	case a.UsesKeys() && a.IsPublic():
		return Invalid("jwks", "a public client has no credentials: register keys for a confidential one")
	case len(a.JWKS) > MaxClientKeysBytes:
		return Invalid("jwks", "larger than %d bytes", MaxClientKeysBytes)
	case a.JWKSURI != "":
		return ValidateJWKSURI(a.JWKSURI)
	}
	return nil
}

// ValidateJWKSURI checks the form of a client's jwksUri.
func ValidateJWKSURI(raw string) error {
	if len(raw) > 2048 {
		return Invalid("jwksUri", "longer than 2048 characters")
	}
	return checkOutboundURL("jwksUri", raw, raw)
}

// ValidScopeToken reports whether s is a scope-token of RFC 6749 §3.3.
func ValidScopeToken(s string) bool {
	if len(s) == 0 || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x21 || c == '"' || c == '\\' || c > 0x7e {
			return false
		}
	}
	return true
}

func checkScopes(field string, scopes []string) error {
	for _, s := range scopes {
		if !ValidScopeToken(s) {
			return Invalid(field, "bad scope %q", s)
		}
	}
	return nil
}

// checkName validates an identifier: non-empty UTF-8 without spaces,
// control characters or '/'.
func checkName(field, s string, max int) error {
	if s == "" {
		return Invalid(field, "is required")
	}
	if len(s) > max {
		return Invalid(field, "longer than %d bytes", max)
	}
	if !utf8.ValidString(s) {
		return Invalid(field, "not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == '/' {
			return Invalid(field, "may not contain spaces, control characters or '/'")
		}
	}
	return nil
}

// checkText validates free text: UTF-8, no control characters, bounded.
func checkText(field, s string, max int) error {
	if len(s) > max {
		return Invalid(field, "longer than %d bytes", max)
	}
	if !utf8.ValidString(s) {
		return Invalid(field, "not valid UTF-8")
	}
	for _, r := range s {
		if unicode.IsControl(r) {
			return Invalid(field, "may not contain control characters")
		}
	}
	return nil
}

// MinGivenClientSecret is the fewest characters of a client secret an
// admin sets rather than lets the server generate: it is stored with a
// fast hash, which only a high-entropy secret makes safe.
const MinGivenClientSecret = 32

// ValidateClientID checks a client id an admin chooses (a configuration
// file keeps the ids of the applications it recreates): 3 to 128 letters,
// digits, '.', '_' or '-', starting with a letter or digit, and not in
// the "tollgate" namespace of the built-in clients.
func ValidateClientID(id string) error {
	if len(id) < 3 || len(id) > 128 || !isAlnum(id[0]) {
		return Invalid("clientId", "must be 3 to 128 characters, starting with a letter or digit")
	}
	for i := 0; i < len(id); i++ {
		if c := id[i]; !isAlnum(c) && c != '.' && c != '_' && c != '-' {
			return Invalid("clientId", "may hold only letters, digits, '.', '_' and '-'")
		}
	}
	if strings.HasPrefix(strings.ToLower(id), "tollgate") {
		return Invalid("clientId", "ids starting with \"tollgate\" are the built-in clients'")
	}
	return nil
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
