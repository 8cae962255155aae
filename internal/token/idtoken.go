package token

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// SignIDToken signs an OpenID Connect ID token (OIDC Core §2) with the
// tenant's active key. claims gets the key's algorithm, which fixes the
// hash of at_hash (§3.1.3.6), and returns the claims to sign.
func (k *Keyring) SignIDToken(ctx context.Context, tenant string, claims func(alg string) any) (string, error) {
	st, err := k.current(ctx, tenant, true)
	if err != nil {
		return "", err
	}
	if st.signer == nil {
		if st.signErr != nil {
			return "", st.signErr
		}
		return "", fmt.Errorf("token: tenant %s has no signing key", tenant)
	}
	payload, err := json.Marshal(claims(string(st.signer.alg)))
	if err != nil {
		return "", fmt.Errorf("token: encoding ID token claims: %w", err)
	}
	return st.signer.signWith(st.signer.idHeader, payload)
}

// IDTokenHint is what RP-initiated logout reads from an id_token_hint.
type IDTokenHint struct {
	Subject  string
	Audience []string
	SID      string
}

// VerifyIDTokenHint checks that raw is an ID token this tenant signed
// (any published key, typ JWT) and returns its subject, audience and
// session. Expiry is not checked: RP-Initiated Logout 1.0 §2 lets a
// client send an expired ID token as the hint.
func (k *KeySource) VerifyIDTokenHint(ctx context.Context, tenant, raw string) (*IDTokenHint, error) {
	if len(raw) > maxTokenLen {
		return nil, invalid("too long")
	}
	jws, err := jose.ParseSignedCompact(raw, parseAlgs)
	if err != nil || len(jws.Signatures) != 1 {
		return nil, invalid("malformed ID token")
	}
	h := jws.Signatures[0].Protected
	if typ, _ := h.ExtraHeaders[jose.HeaderType].(string); strings.EqualFold(typ, "at+jwt") {
		return nil, invalid("an access token is not an ID token")
	}
	vk, issuer, err := k.verificationKey(ctx, tenant, h.KeyID)
	if err != nil {
		return nil, err
	}
	if h.Algorithm != string(vk.alg) {
		return nil, invalid("alg %s does not match the key's %s", h.Algorithm, vk.alg)
	}
	payload, err := jws.Verify(vk.key)
	if err != nil {
		return nil, invalid("bad signature")
	}
	var c struct {
		Issuer   string       `json:"iss"`
		Subject  string       `json:"sub"`
		Audience jwt.Audience `json:"aud"`
		SID      string       `json:"sid"`
	}
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, invalid("bad claims")
	}
	if c.Issuer != issuer {
		return nil, invalid("issuer %q is not this tenant's", c.Issuer)
	}
	return &IDTokenHint{Subject: c.Subject, Audience: c.Audience, SID: c.SID}, nil
}
