// Package assertiontest builds what clients that prove a key send, for
// tests: private_key_jwt assertions, JWK Sets of public keys, and DPoP
// proofs.
package assertiontest

import (
	"crypto"
	"encoding/json"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Sign signs claims with key as alg, naming kid in the header when it is
// not "".
func Sign(t testing.TB, key crypto.Signer, alg jose.SignatureAlgorithm, kid string, claims any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithType("JWT")
	if kid != "" {
		opts = opts.WithHeader(jose.HeaderKey("kid"), kid)
	}
	return SignWith(t, jose.SigningKey{Algorithm: alg, Key: key}, opts, claims)
}

// SignWith signs claims as a compact JWT with key and opts (nil: none),
// failing t on error: every signed input of these tests, forged ones
// (HS256) included.
func SignWith(t testing.TB, key jose.SigningKey, opts *jose.SignerOptions, claims any) string {
	t.Helper()
	s, err := jose.NewSigner(key, opts)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(s).Claims(claims).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// KeySet is keys as a JWK Set's JSON.
func KeySet(t testing.TB, keys ...jose.JSONWebKey) string {
	t.Helper()
	b, err := json.Marshal(jose.JSONWebKeySet{Keys: keys})
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}
