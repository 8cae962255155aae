package token

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"strings"

	"github.com/go-jose/go-jose/v4"
)

// DefaultAlgorithm signs a tenant's first key unless the keyring is told
// otherwise: ES256 is what almost every JWT library verifies.
const DefaultAlgorithm = string(jose.ES256)

// ErrUnsupportedAlgorithm: a signing algorithm was asked for that Tollgate
// does not offer. The error wrapping it names the supported ones.
var ErrUnsupportedAlgorithm = errors.New("unsupported signing algorithm")

// rsaBits is the RSA modulus size we generate and the least we accept
// (RFC 7518 §3.3: 2048 or larger).
const rsaBits = 2048

// algorithm is everything the keyring knows about one JWS algorithm; the
// rest of the package goes through this table, so adding one is one entry.
type algorithm struct {
	name jose.SignatureAlgorithm
	// generate makes a new private key.
	generate func() (crypto.Signer, error)
	// fits reports whether pub has this algorithm's key type, curve and
	// size; a private key fits when its public half does.
	fits func(pub crypto.PublicKey) bool
}

// algorithms in the order users see them; the first is the default.
var algorithms = []algorithm{
	{
		name: jose.ES256,
		generate: func() (crypto.Signer, error) {
			return ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		},
		fits: func(pub crypto.PublicKey) bool {
			k, ok := pub.(*ecdsa.PublicKey)
			return ok && k.Curve == elliptic.P256()
		},
	},
	{
		name: jose.EdDSA, // Ed25519 only (RFC 8037 §3.1)
		generate: func() (crypto.Signer, error) {
			_, priv, err := ed25519.GenerateKey(rand.Reader)
			return priv, err
		},
		fits: func(pub crypto.PublicKey) bool {
			k, ok := pub.(ed25519.PublicKey)
			return ok && len(k) == ed25519.PublicKeySize
		},
	},
	{
		name: jose.RS256, // RFC 9068 §4: every authorization server must offer it
		generate: func() (crypto.Signer, error) {
			return rsa.GenerateKey(rand.Reader, rsaBits)
		},
		fits: func(pub crypto.PublicKey) bool {
			k, ok := pub.(*rsa.PublicKey)
			return ok && k.N.BitLen() >= rsaBits
		},
	},
}

// parseAlgs is what Verify lets through the parser; everything else
// ("none", HS256, ES384, PS256 …) fails before any key is looked at.
var parseAlgs = func() []jose.SignatureAlgorithm {
	out := make([]jose.SignatureAlgorithm, len(algorithms))
	for i, a := range algorithms {
		out[i] = a.name
	}
	return out
}()

// SupportedAlgorithms lists the JWS algorithms a signing key may use.
func SupportedAlgorithms() []string {
	out := make([]string, len(algorithms))
	for i, a := range algorithms {
		out[i] = string(a.name)
	}
	return out
}

// ParseAlgorithm returns the canonical name of a supported algorithm given
// by a person (case does not matter: "eddsa" is EdDSA), or an error
// wrapping ErrUnsupportedAlgorithm that lists the supported ones.
func ParseAlgorithm(name string) (string, error) {
	a, err := lookupAlgorithm(name)
	if err != nil {
		return "", err
	}
	return string(a.name), nil
}

func lookupAlgorithm(name string) (*algorithm, error) {
	for i := range algorithms {
		if strings.EqualFold(name, string(algorithms[i].name)) {
			return &algorithms[i], nil
		}
	}
	return nil, fmt.Errorf("%w %q (supported: %s)", ErrUnsupportedAlgorithm, name,
		strings.Join(SupportedAlgorithms(), ", "))
}

// storedAlgorithm finds the algorithm of a stored key. Unlike
// lookupAlgorithm it is exact: stored names are canonical, and a row that
// is not is skipped rather than reinterpreted.
func storedAlgorithm(name string) *algorithm {
	for i := range algorithms {
		if name == string(algorithms[i].name) {
			return &algorithms[i]
		}
	}
	return nil
}
