// Package token owns token formats: opaque server-generated secrets with a
// recognisable prefix and checksum, per-tenant signing keys with rotation,
// RFC 9068 JWT access tokens, and the in-memory revocation set that nodes
// keep in step with the store.
package token

import (
	"context"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
)

// Prefixes of opaque tokens, so a leaked one is easy to recognise.
const (
	PrefixRefresh      = "tgr_"
	PrefixAPI          = "tgp_"
	PrefixClientSecret = "tgs_"
)

// NewOpaque returns prefix + 256 random bits + checksum.
func NewOpaque(prefix string) (string, error) { panic("todo") }

// CheckOpaque reports whether s is well-formed with the given prefix and a
// valid checksum, without any lookup.
func CheckOpaque(s, prefix string) bool { panic("todo") }

// NewClientID returns a random client id.
func NewClientID() string { panic("todo") }

// IssuerURL is the issuer of a tenant: the base URL itself for the default
// tenant, base/{tenant} for the others.
func IssuerURL(base, tenant string) string { panic("todo") }

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
}

// KeyStore is the part of store.Store the keyring needs.
type KeyStore interface {
	CreateSigningKey(ctx context.Context, tenant string, k *domain.SigningKey) error
	RotateSigningKey(ctx context.Context, tenant string, next *domain.SigningKey, publishUntil time.Time) error
	ListSigningKeys(ctx context.Context, tenant string, now time.Time) ([]domain.SigningKey, error)
}

// Keyring signs and verifies access tokens with per-tenant keys, caching
// them in memory. A tenant's first key is created on first use.
type Keyring struct{}

// NewKeyring returns a Keyring. base is the server's public base URL, used
// for issuers.
func NewKeyring(st KeyStore, sealer *secret.Sealer, base string) *Keyring { panic("todo") }

// Issue signs c as an at+jwt with the tenant's active key. Issuer, ID and
// IssuedAt are filled in when empty.
func (k *Keyring) Issue(ctx context.Context, tenant string, c *Claims) (string, error) {
	panic("todo")
}

// Verify checks signature, typ, issuer and expiry of raw for tenant. It
// does not consult revocations.
func (k *Keyring) Verify(ctx context.Context, tenant, raw string) (*Claims, error) {
	panic("todo")
}

// Rotate makes a new active key; the old one stays published for
// domain.MaxAccessTokenTTL.
func (k *Keyring) Rotate(ctx context.Context, tenant string) error { panic("todo") }

// JWKS returns the tenant's published public keys.
func (k *Keyring) JWKS(ctx context.Context, tenant string) (*jose.JSONWebKeySet, error) {
	panic("todo")
}

// RevocationStore is the part of store.Store the revocation set needs.
type RevocationStore interface {
	AddRevocation(ctx context.Context, r *domain.Revocation) error
	RevocationsSince(ctx context.Context, after int64, limit int) ([]domain.Revocation, error)
}

// Revocations is this node's view of revoked access tokens and families.
type Revocations struct{}

// NewRevocations returns an empty set backed by st.
func NewRevocations(st RevocationStore) *Revocations { panic("todo") }

// Follow loads revocations from the store and polls for new ones every
// interval until ctx ends, so other nodes' revocations apply here too.
func (r *Revocations) Follow(ctx context.Context, interval time.Duration) { panic("todo") }

// Sync loads revocations newer than the last one seen, once.
func (r *Revocations) Sync(ctx context.Context) error { panic("todo") }

// Revoke records a revocation in the store and applies it here at once.
func (r *Revocations) Revoke(ctx context.Context, rev *domain.Revocation) error { panic("todo") }

// Noted applies a revocation already stored (e.g. by RotateRefreshToken).
func (r *Revocations) Noted(rev domain.Revocation) { panic("todo") }

// IsRevoked reports whether an access token of tenant with the given jti
// and family is revoked.
func (r *Revocations) IsRevoked(tenant, jti, family string) bool { panic("todo") }
