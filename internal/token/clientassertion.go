package token

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
)

// Client assertions (RFC 7523 §2.2, OIDC Core §9 private_key_jwt): a
// client authenticates by signing a short JWT with a key whose public
// half it registered. The algorithms are the ones Tollgate signs with.

// MaxClientKeys bounds a client's JWK Set.
const MaxClientKeys = 20

// MaxAssertionLifetime is how far ahead an assertion's exp may be: a
// client makes a fresh one per request, so a long-lived one is a stolen
// credential waiting to happen.
const MaxAssertionLifetime = 5 * time.Minute

// assertionLeeway absorbs clock skew on iat and nbf.
const assertionLeeway = 30 * time.Second

// ParseClientKeys reads a client's JWK Set: at most MaxClientKeys public
// keys, each of a type and size one of Tollgate's algorithms verifies (a
// P-256, Ed25519 or RSA ≥ 2048 key), with its alg, if given, that
// algorithm's. A private key is refused: the client must keep it.
func ParseClientKeys(raw []byte) (*ClientKeys, error) {
	var set jose.JSONWebKeySet
	if err := json.Unmarshal(raw, &set); err != nil {
		return nil, fmt.Errorf("not a JWK Set: %v", err)
	}
	if len(set.Keys) == 0 || len(set.Keys) > MaxClientKeys {
		return nil, fmt.Errorf("a JWK Set of 1 to %d keys is needed, not %d", MaxClientKeys, len(set.Keys))
	}
	for i, k := range set.Keys {
		if !k.IsPublic() {
			return nil, fmt.Errorf("key %d is a private key: register only the public half", i)
		}
		a := keyAlgorithm(k.Key)
		if a == nil {
			return nil, fmt.Errorf("key %d is not a P-256, Ed25519 or RSA (2048 bits or more) public key", i)
		}
		if k.Algorithm != "" && k.Algorithm != string(a.name) {
			return nil, fmt.Errorf("key %d says alg %q, which its key type does not sign with (%s)", i, k.Algorithm, a.name)
		}
		if k.Use != "" && k.Use != "sig" {
			return nil, fmt.Errorf("key %d is for use %q, not sig", i, k.Use)
		}
	}
	return &ClientKeys{set}, nil
}

// ClientKeys are a client's public keys, as ParseClientKeys read them.
type ClientKeys struct{ set jose.JSONWebKeySet }

// keyAlgorithm is the algorithm pub fits, or nil.
func keyAlgorithm(pub any) *algorithm {
	for i := range algorithms {
		if algorithms[i].fits(pub) {
			return &algorithms[i]
		}
	}
	return nil
}

// Assertion is a client assertion read, before its signature is checked:
// who it says it is from, so that the client's keys can be found.
type Assertion struct {
	jws    *jose.JSONWebSignature
	Issuer string // the client id it claims (iss; sub must equal it)
}

// ErrAssertion is wrapped by every refusal of a client assertion; the
// wrapping error says why, for logs and error_description.
var ErrAssertion = errors.New("client assertion refused")

// ErrAssertionKey is the refusal of an assertion no registered key
// verifies (it wraps ErrAssertion): the one a fresh copy of the client's
// keys might change.
var ErrAssertionKey = fmt.Errorf("%w: no registered key of the client verifies the signature", ErrAssertion)

func refuse(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrAssertion, fmt.Sprintf(format, args...))
}

// ParseAssertion reads a compact JWS signed with one of Tollgate's
// algorithms and its claimed issuer.
func ParseAssertion(raw string) (*Assertion, error) {
	jws, err := jose.ParseSignedCompact(raw, parseAlgs)
	if err != nil {
		return nil, refuse("not a JWS signed with %v", parseAlgs)
	}
	var c struct {
		Issuer string `json:"iss"`
	}
	if err := json.Unmarshal(jws.UnsafePayloadWithoutVerification(), &c); err != nil || c.Issuer == "" {
		return nil, refuse("no iss claim")
	}
	return &Assertion{jws: jws, Issuer: c.Issuer}, nil
}

// AssertionClaims are what a verified assertion carried that the caller
// still acts on: its id, single-use until it expires.
type AssertionClaims struct {
	ID      string
	Expires time.Time
}

// Verify checks a's signature with one of keys (the one its kid names, or
// any that fits its alg), and its claims as RFC 7523 §3 requires: iss and
// sub are clientID, aud names one of audiences, exp is in the future and
// at most MaxAssertionLifetime ahead, iat and nbf not in the future, and
// jti is present.
func (a *Assertion) Verify(keys *ClientKeys, clientID string, audiences []string, now time.Time) (*AssertionClaims, error) {
	if len(a.jws.Signatures) != 1 {
		return nil, refuse("one signature expected")
	}
	h := a.jws.Signatures[0].Header
	var payload []byte
	for _, k := range keys.set.Keys {
		if h.KeyID != "" && k.KeyID != h.KeyID {
			continue
		}
		if alg := keyAlgorithm(k.Key); alg == nil || string(alg.name) != h.Algorithm {
			continue
		}
		if p, err := a.jws.Verify(k.Key); err == nil {
			payload = p
			break
		}
	}
	if payload == nil {
		return nil, ErrAssertionKey
	}
	var c jwt.Claims
	if err := json.Unmarshal(payload, &c); err != nil {
		return nil, refuse("claims are not a JSON object of JWT claims")
	}
	switch {
	case c.Issuer != clientID || c.Subject != clientID:
		return nil, refuse("iss and sub must both be the client id")
	case c.ID == "" || len(c.ID) > 256:
		return nil, refuse("jti is required (at most 256 characters)")
	case c.Expiry == nil:
		return nil, refuse("exp is required")
	}
	exp := c.Expiry.Time()
	switch {
	case !exp.After(now):
		return nil, refuse("expired")
	case exp.After(now.Add(MaxAssertionLifetime + assertionLeeway)):
		return nil, refuse("exp is more than %v ahead", MaxAssertionLifetime)
	case c.IssuedAt != nil && c.IssuedAt.Time().After(now.Add(assertionLeeway)):
		return nil, refuse("iat is in the future")
	case c.NotBefore != nil && c.NotBefore.Time().After(now.Add(assertionLeeway)):
		return nil, refuse("not valid yet (nbf)")
	}
	for _, want := range audiences {
		if c.Audience.Contains(want) {
			return &AssertionClaims{ID: c.ID, Expires: exp}, nil
		}
	}
	return nil, refuse("aud must name this server's token endpoint or issuer")
}
