package token

import (
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/tollgate-dev/tollgate/internal/token/assertiontest"
)

const (
	testClient = "client-1"
	testAud    = "https://tollgate.example/oauth2/token"
)

// TestClientAssertion: an assertion signed with any registered key of the
// three algorithms is accepted; every way RFC 7523 §3 says to refuse one
// is refused.
func TestClientAssertion(t *testing.T) {
	now := time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rs, _ := rsa.GenerateKey(rand.Reader, 2048)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	keys, err := ParseClientKeys(keySet(t,
		jose.JSONWebKey{Key: ec.Public(), KeyID: "ec", Algorithm: "ES256", Use: "sig"},
		jose.JSONWebKey{Key: ed.Public(), KeyID: "ed"},
		jose.JSONWebKey{Key: rs.Public(), KeyID: "rs", Algorithm: "RS256"}))
	if err != nil {
		t.Fatal(err)
	}
	good := func() jwt.Claims {
		return jwt.Claims{Issuer: testClient, Subject: testClient, Audience: jwt.Audience{testAud}, ID: "jti-1",
			Expiry: jwt.NewNumericDate(now.Add(time.Minute)), IssuedAt: jwt.NewNumericDate(now)}
	}
	with := func(f func(*jwt.Claims)) jwt.Claims { c := good(); f(&c); return c }
	tests := []struct {
		name   string
		raw    string
		accept bool
	}{
		{"ES256", assertiontest.Sign(t, ec, jose.ES256, "ec", good()), true},
		{"EdDSA", assertiontest.Sign(t, ed, jose.EdDSA, "ed", good()), true},
		{"RS256", assertiontest.Sign(t, rs, jose.RS256, "rs", good()), true},
		{"no kid: any key that fits", assertiontest.Sign(t, ec, jose.ES256, "", good()), true},
		{"issuer as audience", assertiontest.Sign(t, ec, jose.ES256, "ec", with(func(c *jwt.Claims) { c.Audience = jwt.Audience{"https://tollgate.example"} })), true},
		{"an unregistered key", assertiontest.Sign(t, other, jose.ES256, "", good()), false},
		{"a kid naming another key", assertiontest.Sign(t, ec, jose.ES256, "rs", good()), false},
		{"sub is not the client", assertiontest.Sign(t, ec, jose.ES256, "ec", with(func(c *jwt.Claims) { c.Subject = "someone" })), false},
		{"iss is not the client", assertiontest.Sign(t, ec, jose.ES256, "ec", with(func(c *jwt.Claims) { c.Issuer = "other" })), false},
		{"no jti", assertiontest.Sign(t, ec, jose.ES256, "ec", with(func(c *jwt.Claims) { c.ID = "" })), false},
		{"no exp", assertiontest.Sign(t, ec, jose.ES256, "ec", with(func(c *jwt.Claims) { c.Expiry = nil })), false},
		{"expired", assertiontest.Sign(t, ec, jose.ES256, "ec", with(func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(now.Add(-time.Second)) })), false},
		{"exp 10 minutes ahead", assertiontest.Sign(t, ec, jose.ES256, "ec", with(func(c *jwt.Claims) { c.Expiry = jwt.NewNumericDate(now.Add(10 * time.Minute)) })), false},
		{"iat in the future", assertiontest.Sign(t, ec, jose.ES256, "ec", with(func(c *jwt.Claims) { c.IssuedAt = jwt.NewNumericDate(now.Add(time.Minute)) })), false},
		{"nbf in the future", assertiontest.Sign(t, ec, jose.ES256, "ec", with(func(c *jwt.Claims) { c.NotBefore = jwt.NewNumericDate(now.Add(time.Minute)) })), false},
		{"another audience", assertiontest.Sign(t, ec, jose.ES256, "ec", with(func(c *jwt.Claims) { c.Audience = jwt.Audience{"https://elsewhere/token"} })), false},
		{"HS256", hs256(t, good()), false},
		{"not a JWS", "a.b.c", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a, err := ParseAssertion(tc.raw)
			var c *AssertionClaims
			if err == nil {
				c, err = a.Verify(keys, testClient, []string{testAud, "https://tollgate.example"}, now)
			}
			if tc.accept != (err == nil) {
				t.Fatalf("accepted %v, want %v: %v", err == nil, tc.accept, err)
			}
			if err != nil && !errors.Is(err, ErrAssertion) {
				t.Fatalf("refusal %v does not wrap ErrAssertion", err)
			}
			if err == nil && (c.ID != "jti-1" || !c.Expires.Equal(now.Add(time.Minute))) {
				t.Fatalf("claims %+v", c)
			}
		})
	}
}

func hs256(t *testing.T, claims any) string {
	return assertiontest.SignWith(t, jose.SigningKey{Algorithm: jose.HS256, Key: []byte(strings.Repeat("k", 32))}, nil, claims)
}

// TestParseClientKeys refuses key sets a client must not register.
func TestParseClientKeys(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	ec384, _ := ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	small, _ := rsa.GenerateKey(rand.Reader, 1024)
	many := make([]jose.JSONWebKey, MaxClientKeys+1)
	for i := range many {
		many[i] = jose.JSONWebKey{Key: ec.Public()}
	}
	for name, raw := range map[string][]byte{
		"not JSON":        []byte("{"),
		"no keys":         []byte(`{"keys":[]}`),
		"too many":        keySet(t, many...),
		"a private key":   keySet(t, jose.JSONWebKey{Key: ec}),
		"P-384":           keySet(t, jose.JSONWebKey{Key: ec384.Public()}),
		"RSA 1024":        keySet(t, jose.JSONWebKey{Key: small.Public()}),
		"alg of another":  keySet(t, jose.JSONWebKey{Key: ec.Public(), Algorithm: "RS256"}),
		"for encryption":  keySet(t, jose.JSONWebKey{Key: ec.Public(), Use: "enc"}),
		"a symmetric key": []byte(`{"keys":[{"kty":"oct","k":"c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0"}]}`),
	} {
		if _, err := ParseClientKeys(raw); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzAssertion: whatever a client sends as client_assertion, parsing and
// verifying it against a real key set never panics and never accepts
// what that key did not sign.
func FuzzAssertion(f *testing.F) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	other, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	keys, err := ParseClientKeys(keySet(f, jose.JSONWebKey{Key: ec.Public()}))
	if err != nil {
		f.Fatal(err)
	}
	now := time.Now()
	claims := jwt.Claims{Issuer: testClient, Subject: testClient, Audience: jwt.Audience{testAud}, ID: "j",
		Expiry: jwt.NewNumericDate(now.Add(time.Minute))}
	f.Add(assertiontest.Sign(f, other, jose.ES256, "", claims))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("")
	f.Fuzz(func(t *testing.T, raw string) {
		a, err := ParseAssertion(raw)
		if err != nil {
			return
		}
		if _, err := a.Verify(keys, testClient, []string{testAud}, now); err == nil {
			t.Fatalf("accepted %q", raw)
		}
	})
}

func keySet(t testing.TB, keys ...jose.JSONWebKey) []byte {
	return []byte(assertiontest.KeySet(t, keys...))
}
