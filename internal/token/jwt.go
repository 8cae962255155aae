package token

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Verification limits.
const (
	// leeway tolerates clock skew between the node that issued a token and
	// the one verifying it: a token stays valid up to 5 s past exp.
	leeway = 5 * time.Second
	// maxTokenLen refuses absurd inputs before any parsing; our tokens are
	// well under 2 KiB even with many scopes and audiences.
	maxTokenLen = 16 << 10
)

// issuedClaims is the JWT body we sign (RFC 9068 §2.2). aud is always an
// array when present, as RFC 9068 §2.2 examples and most libraries expect.
type issuedClaims struct {
	Issuer    string   `json:"iss"`
	Subject   string   `json:"sub"`
	Audience  []string `json:"aud,omitempty"`
	ClientID  string   `json:"client_id"`
	Scope     string   `json:"scope,omitempty"` // RFC 9068 §2.2.3
	IssuedAt  int64    `json:"iat"`
	ExpiresAt int64    `json:"exp"`
	ID        string   `json:"jti"`
	SessionID string   `json:"sid,omitempty"` // the refresh family
	CNF       *cnf     `json:"cnf,omitempty"` // RFC 9449 §6.1: the DPoP key it is bound to
	Act       *Actor   `json:"act,omitempty"` // RFC 8693 §4.1
}

// cnf is a token's confirmation claim (RFC 7800): the thumbprint of the
// DPoP key the token is bound to.
type cnf struct {
	JKT string `json:"jkt"`
}

// receivedClaims is what Verify reads; aud may be a string or an array
// (RFC 7519 §4.1.3), times may be fractional.
type receivedClaims struct {
	Issuer    string           `json:"iss"`
	Subject   string           `json:"sub"`
	Audience  jwt.Audience     `json:"aud"`
	ClientID  string           `json:"client_id"`
	Scope     string           `json:"scope"`
	IssuedAt  *jwt.NumericDate `json:"iat"`
	ExpiresAt *jwt.NumericDate `json:"exp"`
	ID        string           `json:"jti"`
	SessionID string           `json:"sid"`
	CNF       *cnf             `json:"cnf"`
	Act       *Actor           `json:"act"`
}

// Issue signs c as an at+jwt with the tenant's active key. Issuer, ID and
// IssuedAt are filled in when empty, ExpiresAt (when zero) becomes
// IssuedAt + domain.DefaultAccessTokenTTL, and Tenant is set; c is updated
// in place so the caller sees the jti and times that were signed.
func (k *Keyring) Issue(ctx context.Context, tenant string, c *Claims) (string, error) {
	st, err := k.current(ctx, tenant, needTokens)
	if err != nil {
		return "", err
	}
	signer, err := st.tokens.get(tenant) // never the ID-token key
	if err != nil {
		return "", err
	}
	c.Tenant = tenant
	if c.Issuer == "" {
		c.Issuer = st.issuer
	}
	if c.ID == "" {
		c.ID = newJTI()
	}
	if c.IssuedAt.IsZero() {
		c.IssuedAt = k.now().Truncate(time.Second)
	}
	if c.ExpiresAt.IsZero() {
		c.ExpiresAt = c.IssuedAt.Add(domain.DefaultAccessTokenTTL)
	}
	if !c.ExpiresAt.After(c.IssuedAt) {
		return "", errors.New("token: expiry must be after issue time")
	}
	payload, err := json.Marshal(issuedClaims{
		Issuer:    c.Issuer,
		Subject:   c.Subject,
		Audience:  c.Audience,
		ClientID:  c.ClientID,
		Scope:     c.Scope,
		IssuedAt:  c.IssuedAt.Unix(),
		ExpiresAt: c.ExpiresAt.Unix(),
		ID:        c.ID,
		SessionID: c.FamilyID,
		CNF:       confirmation(c.BoundKey),
		Act:       c.Actor,
	})
	if err != nil {
		return "", fmt.Errorf("token: encoding claims: %w", err)
	}
	return signer.sign(payload)
}

// Verify checks signature, typ, issuer and expiry of raw for tenant. It
// does not consult revocations, nor aud: the resource server checks the
// audience it expects (RFC 9068 §4).
//
// Errors wrapping ErrInvalidToken mean the token is bad; any other error
// (the key store unreachable on first use) is the server's problem.
func (k *KeySource) Verify(ctx context.Context, tenant, raw string) (*Claims, error) {
	if len(raw) > maxTokenLen {
		return nil, invalid("too long")
	}
	key := verifiedKeyOf(tenant, raw)
	if c := k.cachedClaims(ctx, key); c != nil {
		return c, nil
	}
	// Only the algorithms we sign with parse: "none", HS256 with the public
	// key as secret and other algorithms fail here (RFC 8725 §3.1).
	jws, err := jose.ParseSignedCompact(raw, parseAlgs)
	if err != nil {
		return nil, invalid("malformed: %v", err)
	}
	if len(jws.Signatures) != 1 {
		return nil, invalid("want one signature")
	}
	h := jws.Signatures[0].Protected
	// RFC 9068 §4: typ must be at+jwt; "application/at+jwt" is the same
	// media type written out (RFC 7515 §4.1.9), compared case-insensitively.
	typ, _ := h.ExtraHeaders[jose.HeaderType].(string)
	if !strings.EqualFold(typ, "at+jwt") && !strings.EqualFold(typ, "application/at+jwt") {
		return nil, invalid("typ %q is not at+jwt", typ)
	}
	if h.KeyID == "" {
		return nil, invalid("no kid")
	}
	vk, issuer, err := k.verificationKey(ctx, tenant, h.KeyID)
	if err != nil {
		return nil, err
	}
	// The kid's key fixes the algorithm: a token naming an EdDSA key but
	// claiming RS256 is refused whatever the libraries would make of it
	// (RFC 8725 §3.1, §2.1).
	if h.Algorithm != string(vk.alg) {
		return nil, invalid("alg %s does not match the key's %s", h.Algorithm, vk.alg)
	}
	// An ID-token key signs nothing else: an ID token relabelled at+jwt
	// (or anything else it signed) is no access token.
	if vk.use != domain.KeyUseTokens {
		return nil, invalid("key %s signs only ID tokens", h.KeyID)
	}
	payload, err := jws.Verify(vk.key)
	if err != nil {
		return nil, invalid("bad signature")
	}
	c, err := checkClaims(payload, tenant, issuer, k.now())
	if err != nil {
		return nil, err
	}
	k.rememberVerified(key, c, h.KeyID)
	return c, nil
}

// checkClaims decodes a verified payload and checks issuer and expiry.
func checkClaims(payload []byte, tenant, issuer string, now time.Time) (*Claims, error) {
	var rc receivedClaims
	if err := json.Unmarshal(payload, &rc); err != nil {
		return nil, invalid("bad claims: %v", err)
	}
	if rc.Issuer != issuer {
		return nil, invalid("issuer %q is not this tenant's", rc.Issuer)
	}
	if rc.ExpiresAt == nil {
		return nil, invalid("no exp") // RFC 9068 §2.2: exp is required
	}
	exp := rc.ExpiresAt.Time()
	if !now.Before(exp.Add(leeway)) {
		return nil, invalid("expired")
	}
	c := &Claims{
		Tenant:    tenant,
		Issuer:    rc.Issuer,
		Subject:   rc.Subject,
		Audience:  []string(rc.Audience),
		ClientID:  rc.ClientID,
		Scope:     rc.Scope,
		ExpiresAt: exp,
		ID:        rc.ID,
		FamilyID:  rc.SessionID,
		Actor:     rc.Act,
	}
	if rc.CNF != nil {
		if rc.CNF.JKT == "" {
			return nil, invalid("cnf without jkt") // bound to something this server cannot check
		}
		c.BoundKey = rc.CNF.JKT
	}
	if rc.IssuedAt != nil {
		c.IssuedAt = rc.IssuedAt.Time()
	}
	return c, nil
}

// verificationKey finds kid among the tenant's published keys. An unknown
// kid may be a key rotated in on another node, so it triggers a reload, at
// most once per missInterval per tenant.
func (k *KeySource) verificationKey(ctx context.Context, tenant, kid string) (verifyKey, string, error) {
	st, err := k.current(ctx, tenant, needNone)
	if err != nil {
		return verifyKey{}, "", err
	}
	if vk, ok := st.verify[kid]; ok {
		return vk, st.issuer, nil
	}
	e := k.entry(tenant)
	e.mu.Lock()
	defer e.mu.Unlock()
	// Someone may have reloaded while we waited for the lock.
	if st = e.state.Load(); st != nil {
		if vk, ok := st.verify[kid]; ok {
			return vk, st.issuer, nil
		}
	}
	now := k.now()
	if now.Sub(e.lastMiss) < missInterval {
		return verifyKey{}, "", invalid("unknown key")
	}
	e.lastMiss = now
	st, err = k.reload(ctx, tenant, e, needNone)
	if err != nil {
		return verifyKey{}, "", invalid("unknown key (reload failed: %v)", err)
	}
	if vk, ok := st.verify[kid]; ok {
		return vk, st.issuer, nil
	}
	return verifyKey{}, "", invalid("unknown key")
}

func invalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidToken, fmt.Sprintf(format, args...))
}

func confirmation(jkt string) *cnf {
	if jkt == "" {
		return nil
	}
	return &cnf{JKT: jkt}
}

// newJTI returns 128 random bits, base64url: unique enough that jti
// revocations never hit another token (RFC 7519 §4.1.7).
func newJTI() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails; see crypto/rand.Read
	return base64.RawURLEncoding.EncodeToString(b[:])
}
