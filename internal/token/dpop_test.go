package token_test

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/token"
	"github.com/tollgate-dev/tollgate/internal/token/assertiontest"
)

const testHTU = "https://auth.example.com/oauth2/token"

func dpopKeys(t testing.TB) map[string]assertiontest.DPoPKey {
	t.Helper()
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rs, _ := rsa.GenerateKey(rand.Reader, 2048)
	return map[string]assertiontest.DPoPKey{
		"ES256": {Key: ec, Alg: jose.ES256}, "EdDSA": {Key: ed, Alg: jose.EdDSA}, "RS256": {Key: rs, Alg: jose.RS256},
	}
}

func TestDPoPProof(t *testing.T) {
	now := time.Now()
	check := token.DPoPCheck{Method: "POST", URL: testHTU, Now: now}
	for alg, k := range dpopKeys(t) {
		p, err := token.VerifyDPoPProof(k.Proof(t, "POST", testHTU, nil), check)
		if err != nil {
			t.Fatalf("%s: %v", alg, err)
		}
		if p.JKT != k.JKT(t) || p.JTI == "" {
			t.Fatalf("%s: jkt %q, want %q", alg, p.JKT, k.JKT(t))
		}
	}
	k := dpopKeys(t)["ES256"]
	// Normalised alike (RFC 3986 §6.2.2–6.2.3), query and fragment aside.
	for _, htu := range []string{"HTTPS://Auth.Example.com:443/oauth2/token", testHTU + "?x=1", testHTU + "#f"} {
		if _, err := token.VerifyDPoPProof(k.Proof(t, "POST", htu, nil), check); err != nil {
			t.Errorf("htu %s: %v", htu, err)
		}
	}
	atCheck := check
	atCheck.AccessToken = "the.access.token"
	if _, err := token.VerifyDPoPProof(k.Proof(t, "POST", testHTU, map[string]any{"ath": token.AccessTokenHash("the.access.token")}), atCheck); err != nil {
		t.Errorf("ath: %v", err)
	}

	other := dpopKeys(t)["ES256"]
	forged := k.Proof(t, "POST", testHTU, nil)
	parts := strings.Split(forged, ".")
	parts[2] = strings.Split(other.Proof(t, "POST", testHTU, nil), ".")[2]
	hsRaw := assertiontest.SignWith(t, jose.SigningKey{Algorithm: jose.HS256, Key: bytes.Repeat([]byte{1}, 32)},
		(&jose.SignerOptions{}).WithType("dpop+jwt"), map[string]any{"jti": "1", "htm": "POST", "htu": testHTU, "iat": now.Unix()})
	// The JSON serialization, whose typ and jwk could sit outside the
	// signature: RFC 9449 §4.2 wants the compact one.
	js, _ := jose.NewSigner(jose.SigningKey{Algorithm: jose.ES256, Key: k.Key}, (&jose.SignerOptions{EmbedJWK: true}).WithType("dpop+jwt"))
	jsJWS, _ := js.Sign([]byte(`{"jti":"2","htm":"POST","htu":"` + testHTU + `","iat":` + strconv.FormatInt(now.Unix(), 10) + `}`))
	jsonForm := jsJWS.FullSerialize()
	for name, tc := range map[string]struct {
		raw   string
		check token.DPoPCheck
	}{
		"JSON serialization": {jsonForm, check},
		"typ JWT":            {k.Sign(t, "JWT", map[string]any{"jti": "1", "htm": "POST", "htu": testHTU, "iat": now.Unix()}), check},
		"wrong method":       {k.Proof(t, "GET", testHTU, nil), check},
		"method lower case":  {k.Proof(t, "post", testHTU, nil), check},
		"wrong URL":          {k.Proof(t, "POST", "https://auth.example.com/oauth2/revoke", nil), check},
		"other host":         {k.Proof(t, "POST", "https://evil.example/oauth2/token", nil), check},
		"other port":         {k.Proof(t, "POST", "https://auth.example.com:8443/oauth2/token", nil), check},
		"http":               {k.Proof(t, "POST", "http://auth.example.com/oauth2/token", nil), check},
		"too old":            {k.Proof(t, "POST", testHTU, map[string]any{"iat": now.Add(-6 * time.Minute).Unix()}), check},
		"from the future":    {k.Proof(t, "POST", testHTU, map[string]any{"iat": now.Add(time.Minute).Unix()}), check},
		"iat a string":       {k.Proof(t, "POST", testHTU, map[string]any{"iat": "now"}), check},
		"no jti":             {k.Proof(t, "POST", testHTU, map[string]any{"jti": ""}), check},
		"ath missing":        {k.Proof(t, "POST", testHTU, nil), atCheck},
		"ath of another":     {k.Proof(t, "POST", testHTU, map[string]any{"ath": token.AccessTokenHash("other")}), atCheck},
		"forged signature":   {strings.Join(parts, "."), check},
		"HS256":              {hsRaw, check},
		"not a JWT":          {"abc", check},
		"huge":               {strings.Repeat("a", 9000), check},
		"older than MaxAge":  {k.Proof(t, "POST", testHTU, map[string]any{"iat": now.Add(-2 * time.Minute).Unix()}), token.DPoPCheck{Method: "POST", URL: testHTU, Now: now, MaxAge: time.Minute}},
	} {
		if _, err := token.VerifyDPoPProof(tc.raw, tc.check); !errors.Is(err, token.ErrDPoPProof) {
			t.Errorf("%s: %v, want ErrDPoPProof", name, err)
		}
	}
}

// FuzzDPoPProof: no input panics, and none but a proof signed by its own
// header's key passes.
func FuzzDPoPProof(f *testing.F) {
	k := dpopKeys(f)["ES256"]
	f.Add(k.Proof(f, "POST", testHTU, nil))
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c")
	check := token.DPoPCheck{Method: "POST", URL: testHTU, Now: time.Now()}
	f.Fuzz(func(t *testing.T, raw string) {
		p, err := token.VerifyDPoPProof(raw, check)
		if err == nil && p.JKT == "" {
			t.Fatal("a proof passed without a key")
		}
	})
}

func TestDPoPNonces(t *testing.T) {
	sealer, err := secret.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	a, b := token.NewDPoPNonces(sealer), token.NewDPoPNonces(sealer)
	n := a.Current()
	if !a.Valid(n) || !b.Valid(n) {
		t.Fatal("a fresh nonce is refused, or refused by another node")
	}
	if a.Current() != n {
		t.Fatal("a new nonce for every answer")
	}
	for _, bad := range []string{"", "x", n[:len(n)-2] + "AA", strings.Repeat("A", 200)} {
		if a.Valid(bad) {
			t.Errorf("nonce %q accepted", bad)
		}
	}
	other, _ := secret.NewSealer(bytes.Repeat([]byte{8}, 32))
	if token.NewDPoPNonces(other).Valid(n) {
		t.Fatal("a nonce sealed with another master key accepted")
	}
}
