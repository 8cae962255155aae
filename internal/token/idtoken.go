package token

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// SignIDToken signs an OpenID Connect ID token (OIDC Core §2). alg is the
// application's choice: "" for the tenant's active key, whatever its
// algorithm; domain.IDTokenAlgRS256 for RS256 (§15.1), signed with the
// active key when it is RS256 and else with the tenant's ID-token key, an
// RS256 key made on first need that signs nothing else. Another alg is an
// error wrapping ErrUnsupportedAlgorithm. claims gets the algorithm signed
// with, which fixes the hash of at_hash (§3.1.3.6), and returns the claims
// to sign.
func (k *Keyring) SignIDToken(ctx context.Context, tenant, alg string, claims func(alg string) any) (string, error) {
	signer, err := k.idTokenSigner(ctx, tenant, alg)
	if err != nil {
		return "", err
	}
	payload, err := json.Marshal(claims(string(signer.alg)))
	if err != nil {
		return "", fmt.Errorf("token: encoding ID token claims: %w", err)
	}
	return signer.signWith(signer.idHeader, payload)
}

// idTokenSigner picks the key of SignIDToken. The ID-token key is made
// like a tenant's first key: under the tenant's lock, so concurrent first
// uses on one node make one key; nodes that make one each at the same
// moment all settle on the newest.
func (k *Keyring) idTokenSigner(ctx context.Context, tenant, alg string) (*jwsSigner, error) {
	if alg != "" && alg != string(idTokenKeyAlg.name) {
		return nil, fmt.Errorf("token: ID tokens: %w %q (supported: %s)", ErrUnsupportedAlgorithm, alg, idTokenKeyAlg.name)
	}
	st, err := k.current(ctx, tenant, needTokens)
	if err != nil {
		return nil, err
	}
	signer, err := st.tokens.get(tenant)
	if err != nil || alg == "" || signer.alg == idTokenKeyAlg.name {
		return signer, err
	}
	if st, err = k.current(ctx, tenant, needIDToken); err != nil {
		return nil, err
	}
	return st.idToken.get(tenant)
}

// IDTokenAlgorithms returns what discovery advertises as
// id_token_signing_alg_values_supported: Algorithms, which resource
// servers that verify access tokens with an OIDC library need listed, and
// RS256, which any application may ask for (OIDC Core §15.1) before the
// tenant has a key of it.
func (k *Keyring) IDTokenAlgorithms(ctx context.Context, tenant string) ([]string, error) {
	algs, err := k.Algorithms(ctx, tenant)
	if err != nil {
		return nil, err
	}
	return addAlg(algs, string(idTokenKeyAlg.name)), nil
}

// IDTokenHint is what RP-initiated logout reads from an id_token_hint.
type IDTokenHint struct {
	Subject  string
	Audience []string
	SID      string
}

// VerifyIDTokenHint checks that raw is an ID token this tenant signed
// (any published key, of either use; not typ at+jwt) and returns its subject, audience and
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
