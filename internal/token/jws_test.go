package token

import (
	"testing"

	"github.com/go-jose/go-jose/v4"
)

// jwsSigner must produce exactly what go-jose's own Signer produces for
// the same key and payload. All three algorithms sign deterministically
// here (ES256 with RFC 6979 nonces, Ed25519 and RSA PKCS #1 v1.5 by
// design), so the tokens compare byte for byte.
func TestJWSSignerMatchesGoJose(t *testing.T) {
	payload := []byte(`{"iss":"https://example.com/acme","sub":"u","exp":2000000000}`)
	for _, a := range algorithms {
		t.Run(string(a.name), func(t *testing.T) {
			priv, err := a.generate()
			if err != nil {
				t.Fatal(err)
			}
			key := opaqueKey(priv)
			ours, err := newJWSSigner(a.name, "kid-1", key)
			if err != nil {
				t.Fatal(err)
			}
			got, err := ours.sign(payload)
			if err != nil {
				t.Fatal(err)
			}
			theirs, err := jose.NewSigner(jose.SigningKey{Algorithm: a.name,
				Key: jose.JSONWebKey{Key: key, KeyID: "kid-1", Algorithm: string(a.name)}},
				(&jose.SignerOptions{}).WithType("at+jwt"))
			if err != nil {
				t.Fatal(err)
			}
			jws, err := theirs.Sign(payload)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := jws.CompactSerialize()
			if got != want {
				t.Fatalf("ours:    %s\ngo-jose: %s", got, want)
			}
			parsed, err := jose.ParseSignedCompact(got, []jose.SignatureAlgorithm{a.name})
			if err != nil {
				t.Fatal(err)
			}
			if out, err := parsed.Verify(priv.Public()); err != nil || string(out) != string(payload) {
				t.Fatalf("verify: %q %v", out, err)
			}
		})
	}
}

// A key that cannot sign the algorithm asked for is refused when the
// signer is built, not at the first token.
func TestJWSSignerRefusesAMismatchedKey(t *testing.T) {
	a, err := lookupAlgorithm("EdDSA")
	if err != nil {
		t.Fatal(err)
	}
	eddsa, err := a.generate()
	if err != nil {
		t.Fatal(err)
	}
	if s, err := newJWSSigner(jose.ES256, "kid-1", opaqueKey(eddsa)); err == nil {
		t.Fatalf("an Ed25519 key made an ES256 signer: %+v", s)
	}
}
