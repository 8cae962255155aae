// Package token owns token formats: opaque server-generated secrets with a
// recognisable prefix and checksum, per-tenant signing keys with rotation,
// RFC 9068 JWT access tokens, and the in-memory revocation set that nodes
// keep in step with the store.
package token

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Prefixes of opaque tokens, so a leaked one is easy to recognise.
const (
	PrefixRefresh      = "tgr_"
	PrefixAPI          = "tgp_"
	PrefixClientSecret = "tgs_"
	PrefixGateway      = "tgg_" // gateway credentials
)

// ErrInvalidToken: an access token failed verification (malformed, bad
// signature, unknown key, wrong tenant or issuer, expired). Verify wraps the
// cause; callers answer invalid_token (RFC 6750 §3.1) for any of them.
var ErrInvalidToken = errors.New("invalid token")

// NewClientID returns a random client id: 26 base32 characters (130 bits),
// URL-safe and free of ':' since client ids travel in Basic auth
// (RFC 6749 §2.3.1).
func NewClientID() string { return rand.Text() }

// IssuerURL is the issuer of a tenant: the base URL itself for the default
// tenant, base/{tenant} for the others.
func IssuerURL(base, tenant string) string {
	base = strings.TrimRight(base, "/")
	if tenant == domain.DefaultTenant {
		return base
	}
	return base + "/" + tenant
}

// Claims of an RFC 9068 access token.
type Claims struct {
	Tenant    string // not a claim: the tenant the token was verified in
	Issuer    string
	Subject   string
	Audience  []string
	ClientID  string
	Scope     string // space-separated
	IssuedAt  time.Time
	ExpiresAt time.Time
	ID        string // jti
	FamilyID  string // "sid": the refresh family, empty for client_credentials
	// BoundKey is cnf.jkt: the thumbprint of the DPoP key the token is
	// bound to (RFC 9449 §6.1); "" for a bearer token.
	BoundKey string
	// Actor is the act claim of a token issued by token exchange on
	// behalf of Subject (RFC 8693 §4.1): who acts, and before them, in
	// Actor.Actor, who acted earlier in the chain. nil: no one.
	Actor *Actor
}

// Actor is one link of an act claim.
type Actor struct {
	Subject string `json:"sub"`
	Actor   *Actor `json:"act,omitempty"`
}

// Depth is the number of actors in the chain a starts.
func (a *Actor) Depth() int {
	n := 0
	for ; a != nil; a = a.Actor {
		n++
	}
	return n
}

// UnverifiedIssuer reads a JWT's iss without checking anything, to tell
// whose keys must check it; false when raw is no JWT with an issuer.
func UnverifiedIssuer(raw string) (string, bool) {
	parts := strings.Split(raw, ".")
	if len(raw) > maxTokenLen || len(parts) != 3 {
		return "", false
	}
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	var c struct {
		Issuer string `json:"iss"`
	}
	if err != nil || json.Unmarshal(b, &c) != nil || c.Issuer == "" {
		return "", false
	}
	return c.Issuer, true
}
