package token

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
)

// headerOf decodes a compact JWS's protected header.
func headerOf(t testing.TB, raw string) map[string]any {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	var h map[string]any
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

// Each algorithm end to end: the first key of a keyring defaulting to it
// has the right type, is published as such, sealed at rest and bound to
// its tenant, and signs tokens that verify.
func TestEachAlgorithm(t *testing.T) {
	for _, tc := range []struct {
		alg, kty, crv string
		fits          func(crypto.Signer) bool
	}{
		{"ES256", "EC", "P-256", func(k crypto.Signer) bool {
			e, ok := k.(*ecdsa.PrivateKey)
			return ok && e.Curve == elliptic.P256()
		}},
		{"EdDSA", "OKP", "Ed25519", func(k crypto.Signer) bool { _, ok := k.(ed25519.PrivateKey); return ok }},
		{"RS256", "RSA", "", func(k crypto.Signer) bool {
			r, ok := k.(*rsa.PrivateKey)
			return ok && r.N.BitLen() == 2048
		}},
	} {
		t.Run(tc.alg, func(t *testing.T) {
			ctx := context.Background()
			st := newTestStore(t)
			k := newTestKeyringAlg(t, st, nil, tc.alg)
			raw := issue(t, k, "acme", &Claims{Subject: "u", ClientID: "c", Scope: "s"})
			if h := headerOf(t, raw); h["alg"] != tc.alg || h["typ"] != "at+jwt" || h["kid"] == "" {
				t.Fatalf("header %v", h)
			}
			c, err := k.Verify(ctx, "acme", raw)
			if err != nil || c.Subject != "u" || c.Scope != "s" {
				t.Fatalf("verify: %+v %v", c, err)
			}
			// A fresh keyring (another node) verifies from the store alone.
			if _, err := newTestKeyring(t, st, nil).Verify(ctx, "acme", raw); err != nil {
				t.Fatalf("other node: %v", err)
			}

			// Stored: the algorithm, a public JWK, the private key sealed.
			keys, _ := st.ListSigningKeys(ctx, "acme", time.Now())
			if len(keys) != 1 || keys[0].Algorithm != tc.alg {
				t.Fatalf("stored keys %+v", keys)
			}
			var pub map[string]any
			_ = json.Unmarshal(keys[0].PublicKey, &pub)
			if pub["kty"] != tc.kty || (tc.crv != "" && pub["crv"] != tc.crv) || pub["alg"] != tc.alg || pub["d"] != nil {
				t.Fatalf("stored public key %s", keys[0].PublicKey)
			}
			priv, _ := activeKey(t, st, "acme")
			if !tc.fits(priv) {
				t.Fatalf("private key is a %T", priv)
			}
			if _, err := x509.ParsePKCS8PrivateKey(keys[0].PrivateKey); err == nil ||
				bytes.Contains(keys[0].PrivateKey, privateBytes(t, priv)) {
				t.Fatal("private key stored in the clear")
			}
			if _, err := testSealer(t).Open(keys[0].PrivateKey, keyAD("other", keys[0].ID)); !errors.Is(err, secret.ErrUnseal) {
				t.Fatalf("sealed key opened for another tenant: %v", err)
			}

			set, _ := k.JWKS(ctx, "acme")
			if len(set.Keys) != 1 || set.Keys[0].Algorithm != tc.alg || !set.Keys[0].IsPublic() {
				t.Fatalf("JWKS %+v", set.Keys)
			}
			if algs, err := k.Algorithms(ctx, "acme"); err != nil || !slices.Equal(algs, []string{tc.alg}) {
				t.Fatalf("Algorithms: %v %v", algs, err)
			}
		})
	}
}

// ES256 nonces come from RFC 6979 (rfc6979Signer): the same claims signed
// twice give the same token, and that token verifies.
func TestES256SignaturesAreDeterministic(t *testing.T) {
	k := newTestKeyringAlg(t, newMemStore(), nil, "ES256")
	at := time.Now().Truncate(time.Second)
	first := issue(t, k, "acme", &Claims{Subject: "u", ID: "jti", IssuedAt: at})
	second := issue(t, k, "acme", &Claims{Subject: "u", ID: "jti", IssuedAt: at})
	if first != second {
		t.Fatalf("the same claims signed twice differ:\n%s\n%s", first, second)
	}
	if _, err := k.Verify(context.Background(), "acme", first); err != nil {
		t.Fatal(err)
	}
}

// Rotating across algorithms: every earlier token stays valid while its
// key is published, whatever its algorithm; an empty alg keeps the
// active key's.
func TestRotateAcrossAlgorithms(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	clk := &clock{t: time.Now()}
	k := newTestKeyring(t, st, clk)
	if algs, _ := k.Algorithms(ctx, "acme"); !slices.Equal(algs, []string{"ES256"}) {
		t.Fatalf("no key yet: Algorithms %v, want the default", algs)
	}
	tokens := map[string]string{"ES256": issue(t, k, "acme", &Claims{Subject: "u"})}
	// Keys are listed newest first; a second between rotations keeps their
	// order from resting on the tie-break of equal creation times.
	rotate := func(alg string) error { clk.Advance(time.Second); return k.Rotate(ctx, "acme", alg) }
	for _, alg := range []string{"EdDSA", "RS256"} {
		if err := rotate(alg); err != nil {
			t.Fatal(err)
		}
		tokens[alg] = issue(t, k, "acme", &Claims{Subject: "u"})
	}
	// Empty keeps RS256; a name in another case is the same algorithm.
	if err := rotate(""); err != nil {
		t.Fatal(err)
	}
	if h := headerOf(t, issue(t, k, "acme", &Claims{Subject: "u"})); h["alg"] != "RS256" {
		t.Fatalf("rotation with no alg changed it: %v", h)
	}
	if err := rotate("eddsa"); err != nil {
		t.Fatal(err)
	}
	tokens["EdDSA again"] = issue(t, k, "acme", &Claims{Subject: "u"})
	if h := headerOf(t, tokens["EdDSA again"]); h["alg"] != "EdDSA" {
		t.Fatalf("header %v", h)
	}
	for name, raw := range tokens {
		if h := headerOf(t, raw); !strings.HasPrefix(name, h["alg"].(string)) {
			t.Errorf("%s token has header %v", name, h)
		}
		if _, err := k.Verify(ctx, "acme", raw); err != nil {
			t.Errorf("%s token: %v", name, err)
		}
	}
	set, _ := k.JWKS(ctx, "acme")
	if len(set.Keys) != 5 {
		t.Fatalf("JWKS has %d keys, want 5", len(set.Keys))
	}
	if algs, _ := k.Algorithms(ctx, "acme"); !slices.Equal(algs, []string{"EdDSA", "RS256", "ES256"}) {
		t.Fatalf("Algorithms %v, want active first, each once", algs)
	}

	// Once the retired keys' publication ends, only the active one is left.
	clk.Advance(domain.MaxAccessTokenTTL + time.Minute)
	k2 := newTestKeyring(t, st, clk)
	if _, err := k2.Verify(ctx, "acme", tokens["ES256"]); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("token of an unpublished ES256 key: %v", err)
	}
	if algs, _ := k2.Algorithms(ctx, "acme"); !slices.Equal(algs, []string{"EdDSA"}) {
		t.Fatalf("Algorithms after publication ended: %v", algs)
	}
}

func TestUnsupportedAlgorithm(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	k := newTestKeyring(t, st, nil)
	raw := issue(t, k, "acme", &Claims{Subject: "u"})
	for _, alg := range []string{"none", "HS256", "ES384", "ES512", "PS256", "RS512", "Ed25519", "ES256 "} {
		err := k.Rotate(ctx, "acme", alg)
		if !errors.Is(err, ErrUnsupportedAlgorithm) || !strings.Contains(err.Error(), "ES256, EdDSA, RS256") {
			t.Errorf("Rotate(%q): %v", alg, err)
		}
		if _, err := ParseAlgorithm(alg); !errors.Is(err, ErrUnsupportedAlgorithm) {
			t.Errorf("ParseAlgorithm(%q): %v", alg, err)
		}
	}
	// Nothing changed: one key, still signing.
	if n := len(st.keys["acme"]); n != 1 {
		t.Fatalf("%d keys after refused rotations", n)
	}
	if kidOf(t, issue(t, k, "acme", &Claims{Subject: "u"})) != kidOf(t, raw) {
		t.Fatal("a refused rotation changed the signing key")
	}
	if _, err := NewKeyring(st, testSealer(t), testBase, "HS256"); !errors.Is(err, ErrUnsupportedAlgorithm) {
		t.Fatalf("NewKeyring with HS256: %v", err)
	}
	for in, want := range map[string]string{"es256": "ES256", "EDDSA": "EdDSA", "RS256": "RS256"} {
		if got, err := ParseAlgorithm(in); err != nil || got != want {
			t.Errorf("ParseAlgorithm(%q) = %q, %v", in, got, err)
		}
	}
}

// A tenant with keys of all three algorithms: a token's header alg must be
// its key's, and what the parser never accepts stays refused.
func TestAlgorithmConfusion(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	k := newTestKeyring(t, st, nil)
	privs, kids := map[string]crypto.Signer{}, map[string]string{}
	for i, alg := range []string{"ES256", "EdDSA", "RS256"} {
		if i == 0 {
			_ = issue(t, k, "acme", &Claims{Subject: "u"})
		} else if err := k.Rotate(ctx, "acme", alg); err != nil {
			t.Fatal(err)
		}
		privs[alg], kids[alg] = activeKey(t, st, "acme")
	}
	now := time.Now()
	claims := map[string]any{"iss": testBase + "/acme", "sub": "admin", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()}
	pubJSON := func(alg string) []byte { b, _ := json.Marshal(jose.JSONWebKey{Key: privs[alg].Public()}); return b }
	none := func(kid string) string {
		h := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"at+jwt","kid":"` + kid + `"}`))
		b, _ := json.Marshal(claims)
		return h + "." + base64.RawURLEncoding.EncodeToString(b) + "."
	}
	stranger, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)

	tests := []struct {
		name, raw, why string // why: a part of the error that says the real reason
	}{
		{"EdDSA header, kid of the ES256 key", sign(t, jose.EdDSA, privs["EdDSA"], kids["ES256"], "at+jwt", claims), "does not match"},
		{"ES256 header, kid of the EdDSA key", sign(t, jose.ES256, privs["ES256"], kids["EdDSA"], "at+jwt", claims), "does not match"},
		{"RS256 header, kid of the EdDSA key", sign(t, jose.RS256, privs["RS256"], kids["EdDSA"], "at+jwt", claims), "does not match"},
		{"ES256 by a stranger, kid of the RS256 key", sign(t, jose.ES256, stranger, kids["RS256"], "at+jwt", claims), "does not match"},
		{"PS256 with the RSA key", sign(t, jose.PS256, privs["RS256"], kids["RS256"], "at+jwt", claims), "malformed"},
		{"HS256 with the RSA public key as secret", sign(t, jose.HS256, pubJSON("RS256"), kids["RS256"], "at+jwt", claims), "malformed"},
		{"HS256 with the Ed25519 public key as secret", sign(t, jose.HS256, pubJSON("EdDSA"), kids["EdDSA"], "at+jwt", claims), "malformed"},
		{"none with the EdDSA kid", none(kids["EdDSA"]), "malformed"},
		{"none with the RS256 kid", none(kids["RS256"]), "malformed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := k.Verify(ctx, "acme", tc.raw)
			if !errors.Is(err, ErrInvalidToken) || c != nil || !strings.Contains(err.Error(), tc.why) {
				t.Fatalf("got %+v, %v; want ErrInvalidToken (%s)", c, err, tc.why)
			}
		})
	}
	// For contrast: each key with its own algorithm verifies.
	for alg := range privs {
		raw := sign(t, jose.SignatureAlgorithm(alg), privs[alg], kids[alg], "at+jwt", claims)
		if _, err := k.Verify(ctx, "acme", raw); err != nil {
			t.Errorf("%s with its own key: %v", alg, err)
		}
	}
}

// A stored row whose algorithm column and key disagree is left out: it
// neither verifies nor signs, and is not published.
func TestMismatchedStoredKeySkipped(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	k := newTestKeyringAlg(t, st, nil, "EdDSA")
	raw := issue(t, k, "acme", &Claims{Subject: "u"})
	st.mu.Lock()
	st.keys["acme"][0].Algorithm = "ES256"
	st.mu.Unlock()
	k2 := newTestKeyring(t, st, nil)
	if _, err := k2.Verify(ctx, "acme", raw); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("token of a mislabelled key: %v", err)
	}
	if set, _ := k2.JWKS(ctx, "acme"); len(set.Keys) != 0 {
		t.Fatalf("mislabelled key published: %+v", set.Keys)
	}
}

// privateBytes returns the secret part of a private key.
func privateBytes(t testing.TB, k crypto.Signer) []byte {
	t.Helper()
	switch k := k.(type) {
	case *ecdsa.PrivateKey:
		b, err := k.Bytes()
		if err != nil {
			t.Fatal(err)
		}
		return b
	case ed25519.PrivateKey:
		return k.Seed()
	case *rsa.PrivateKey:
		return k.D.Bytes()
	}
	t.Fatalf("unexpected key type %T", k)
	return nil
}
