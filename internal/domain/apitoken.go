package domain

import (
	"regexp"
	"time"
)

// APIToken is a user's personal, long-lived bearer token (DESIGN §2
// "apiTokens"). Only the SHA-256 of the token string is stored; the token
// itself is shown once, when it is created.
type APIToken struct {
	Tenant      string
	UserID      string
	ID          string // chosen by the user, unique per user
	Hash        []byte // secret.HashToken of the token string
	Description string
	Scopes      []string
	ExpiresAt   *time.Time // nil: no expiry
	LastUsedAt  *time.Time // updated in batches, so a few seconds behind
	CreatedAt   time.Time
}

// Expired reports whether the token has expired at now.
func (t *APIToken) Expired(now time.Time) bool {
	return t.ExpiresAt != nil && !t.ExpiresAt.After(now)
}

// APITokenUse is one observed use of an API token, recorded in batches.
type APITokenUse struct {
	Tenant, UserID, ID string
	At                 time.Time
}

// apiTokenIDRe is the id rule of the apiTokens contract (issue 5): like a
// file name, never starting with a dot.
var apiTokenIDRe = regexp.MustCompile(`^[A-Za-z0-9_-][.A-Za-z0-9_-]{0,254}$`)

// APITokenPurgeGrace is how long an expired API token stays stored before
// DeleteExpired removes it: the token is refused from its expiry on, but
// its owner can still see in the list that it expired (and which one it
// was) for a week, rather than find it silently gone.
const APITokenPurgeGrace = 7 * 24 * time.Hour

// MaxAPITokenMaxTTL bounds a tenant's API-token lifetime cap: 100 years is
// far beyond any useful cap and well inside time.Duration's range.
const MaxAPITokenMaxTTL = 100 * 365 * 24 * time.Hour

// MaxAPITokenDescription bounds the free-text description.
const MaxAPITokenDescription = 1024

// ValidateAPIToken checks the attributes a client chooses.
func ValidateAPIToken(t *APIToken) error {
	if err := ValidID("id", t.ID); err != nil {
		return err
	}
	if !apiTokenIDRe.MatchString(t.ID) {
		return Invalid("id", "must match %s", apiTokenIDRe.String())
	}
	if len(t.Description) > MaxAPITokenDescription {
		return Invalid("description", "longer than %d bytes", MaxAPITokenDescription)
	}
	return nil
}
