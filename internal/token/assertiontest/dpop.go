package assertiontest

import (
	"crypto"
	"crypto/rand"
	"encoding/base64"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
)

// DPoPKey is a client's DPoP key pair, for building proofs (RFC 9449 §4).
type DPoPKey struct {
	Key crypto.Signer
	Alg jose.SignatureAlgorithm
}

// Proof signs a proof for a request of method htm to htu, issued now,
// with a fresh jti; claims in extra (ath, nonce, or overrides of the
// others) are added. The key's public half goes in the header.
func (k DPoPKey) Proof(t testing.TB, htm, htu string, extra map[string]any) string {
	t.Helper()
	claims := map[string]any{"jti": rand.Text(), "htm": htm, "htu": htu, "iat": time.Now().Unix()}
	for name, v := range extra {
		claims[name] = v
	}
	return k.Sign(t, "dpop+jwt", claims)
}

// Sign signs claims as a JWT of type typ with the key in the header.
func (k DPoPKey) Sign(t testing.TB, typ string, claims any) string {
	t.Helper()
	opts := &jose.SignerOptions{EmbedJWK: true}
	return SignWith(t, jose.SigningKey{Algorithm: k.Alg, Key: k.Key}, opts.WithType(jose.ContentType(typ)), claims)
}

// JKT is the key's RFC 7638 thumbprint, as cnf.jkt carries it.
func (k DPoPKey) JKT(t testing.TB) string {
	t.Helper()
	tp, err := (&jose.JSONWebKey{Key: k.Key.Public()}).Thumbprint(crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	return base64.RawURLEncoding.EncodeToString(tp)
}
