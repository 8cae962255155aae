package token

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
)

const testBase = "https://auth.example.com"

// clock is a settable time source shared by the keyrings of one test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time          { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) Advance(d time.Duration) { c.mu.Lock(); c.t = c.t.Add(d); c.mu.Unlock() }

func testSealer(t testing.TB) *secret.Sealer {
	s, err := secret.NewSealer(bytes.Repeat([]byte{42}, 32))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func newTestKeyring(t testing.TB, st KeyStore, clk *clock) *Keyring {
	return newTestKeyringAlg(t, st, clk, "")
}

// newTestKeyringAlg returns a keyring whose tenants start on alg.
func newTestKeyringAlg(t testing.TB, st KeyStore, clk *clock, alg string) *Keyring {
	t.Helper()
	k, err := NewKeyring(st, testSealer(t), testBase, alg)
	if err != nil {
		t.Fatal(err)
	}
	if clk != nil {
		k.now = clk.Now
	}
	return k
}

func issue(t testing.TB, k *Keyring, tenant string, c *Claims) string {
	t.Helper()
	raw, err := k.Issue(context.Background(), tenant, c)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// activeKey unseals the tenant's newest access-token key, to forge tokens
// that are correctly signed but wrong in some other way.
func activeKey(t testing.TB, st KeyStore, tenant string) (crypto.Signer, string) {
	return newestKey(t, st, tenant, domain.KeyUseTokens)
}

// newestKey unseals the tenant's newest key of use.
func newestKey(t testing.TB, st KeyStore, tenant, use string) (crypto.Signer, string) {
	t.Helper()
	keys, err := st.ListSigningKeys(context.Background(), tenant, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	i := slices.IndexFunc(keys, func(k domain.SigningKey) bool { return k.Use == use })
	if i < 0 {
		t.Fatalf("no key of use %q", use)
	}
	der, err := testSealer(t).Open(keys[i].PrivateKey, keyAD(tenant, keys[i].ID))
	if err != nil {
		t.Fatal(err)
	}
	priv, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		t.Fatal(err)
	}
	return priv.(crypto.Signer), keys[i].ID
}

func sign(t testing.TB, alg jose.SignatureAlgorithm, key any, kid, typ string, claims map[string]any) string {
	t.Helper()
	opts := (&jose.SignerOptions{}).WithHeader("kid", kid)
	if typ != "" {
		opts = opts.WithType(jose.ContentType(typ))
	}
	s, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: key}, opts)
	if err != nil {
		t.Fatal(err)
	}
	payload, _ := json.Marshal(claims)
	jws, err := s.Sign(payload)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jws.CompactSerialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestIssueVerify(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	clk := &clock{t: time.Now().Truncate(time.Second)}
	k := newTestKeyring(t, st, clk)
	in := &Claims{
		Subject:  "john.doe",
		Audience: []string{"https://api.example.com"},
		ClientID: "client1",
		Scope:    "orders:read orders:write",
		FamilyID: "fam1",
	}
	raw := issue(t, k, "acme", in)
	if in.ID == "" || in.Issuer != testBase+"/acme" || !in.IssuedAt.Equal(clk.Now()) ||
		!in.ExpiresAt.Equal(clk.Now().Add(domain.DefaultAccessTokenTTL)) {
		t.Fatalf("Issue did not fill in claims: %+v", in)
	}
	got, err := k.Verify(ctx, "acme", raw)
	if err != nil {
		t.Fatal(err)
	}
	in.Tenant = "acme"
	if got.Tenant != "acme" || got.Subject != in.Subject || got.ClientID != in.ClientID ||
		got.Scope != in.Scope || got.FamilyID != in.FamilyID || got.ID != in.ID ||
		got.Issuer != in.Issuer || !slices.Equal(got.Audience, in.Audience) ||
		!got.IssuedAt.Equal(in.IssuedAt) || !got.ExpiresAt.Equal(in.ExpiresAt) {
		t.Fatalf("claims differ:\n got %+v\nwant %+v", got, in)
	}

	// RFC 9068 §2.1 header and §2.2 body shape.
	parts := strings.Split(raw, ".")
	hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
	body, _ := base64.RawURLEncoding.DecodeString(parts[1])
	var h, b map[string]any
	_ = json.Unmarshal(hdr, &h)
	_ = json.Unmarshal(body, &b)
	if h["typ"] != "at+jwt" || h["alg"] != "ES256" || h["kid"] == "" {
		t.Fatalf("header %s", hdr)
	}
	if _, isArray := b["aud"].([]any); !isArray {
		t.Fatalf("aud is not an array: %s", body)
	}
	for _, name := range []string{"iss", "sub", "client_id", "scope", "iat", "exp", "jti", "sid"} {
		if _, ok := b[name]; !ok {
			t.Errorf("claim %s missing: %s", name, body)
		}
	}

	// Optional claims are omitted when empty (client_credentials, no scope).
	raw = issue(t, k, "acme", &Claims{Subject: "svc", ClientID: "svc"})
	body, _ = base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[1])
	for _, name := range []string{"aud", "scope", "sid"} {
		if bytes.Contains(body, []byte(`"`+name+`"`)) {
			t.Errorf("empty %s not omitted: %s", name, body)
		}
	}
	if got, err := k.Verify(ctx, "acme", raw); err != nil || got.Audience != nil {
		t.Fatalf("verify: %+v %v", got, err)
	}

	// The default tenant's issuer is the base URL itself.
	raw = issue(t, k, domain.DefaultTenant, &Claims{Subject: "u"})
	if got, err := k.Verify(ctx, domain.DefaultTenant, raw); err != nil || got.Issuer != testBase {
		t.Fatalf("default tenant: %+v %v", got, err)
	}
}

func TestVerifyRejects(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	clk := &clock{t: time.Now()}
	k := newTestKeyring(t, st, clk)
	good := issue(t, k, "acme", &Claims{Subject: "u", ClientID: "c"})
	_ = issue(t, k, "other", &Claims{Subject: "u"})
	priv, kid := activeKey(t, st, "acme")
	now := clk.Now()
	claims := func(mod func(map[string]any)) map[string]any {
		c := map[string]any{"iss": testBase + "/acme", "sub": "u", "client_id": "c",
			"iat": now.Unix(), "exp": now.Add(time.Hour).Unix(), "jti": "j"}
		if mod != nil {
			mod(c)
		}
		return c
	}
	stranger, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	pubJSON, _ := json.Marshal(jose.JSONWebKey{Key: priv.Public()})
	parts := strings.Split(good, ".")
	otherBody := base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"` + testBase + `/acme","sub":"admin","exp":9999999999}`))
	noneHdr := base64.RawURLEncoding.EncodeToString([]byte(`{"alg":"none","typ":"at+jwt","kid":"` + kid + `"}`))

	tests := []struct {
		name   string
		tenant string
		raw    string
	}{
		{"wrong tenant", "other", good},
		{"unknown tenant", "nobody", good},
		{"tampered payload", "acme", parts[0] + "." + otherBody + "." + parts[2]},
		{"tampered signature", "acme", parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))},
		{"alg none", "acme", noneHdr + "." + parts[1] + "."},
		{"HS256 with public key as secret", "acme", sign(t, jose.HS256, pubJSON, kid, "at+jwt", claims(nil))},
		{"ES384", "acme", sign(t, jose.ES384, mustKey(t, elliptic.P384()), kid, "at+jwt", claims(nil))},
		{"signed by a stranger with our kid", "acme", sign(t, jose.ES256, stranger, kid, "at+jwt", claims(nil))},
		{"typ JWT", "acme", sign(t, jose.ES256, priv, kid, "JWT", claims(nil))},
		{"no typ", "acme", sign(t, jose.ES256, priv, kid, "", claims(nil))},
		{"no kid", "acme", sign(t, jose.ES256, priv, "", "at+jwt", claims(nil))},
		{"unknown kid", "acme", sign(t, jose.ES256, priv, "nope", "at+jwt", claims(nil))},
		{"other tenant's issuer", "acme", sign(t, jose.ES256, priv, kid, "at+jwt", claims(func(c map[string]any) { c["iss"] = testBase + "/other" }))},
		{"no issuer", "acme", sign(t, jose.ES256, priv, kid, "at+jwt", claims(func(c map[string]any) { delete(c, "iss") }))},
		{"expired", "acme", sign(t, jose.ES256, priv, kid, "at+jwt", claims(func(c map[string]any) { c["exp"] = now.Add(-leeway - time.Second).Unix() }))},
		{"no exp", "acme", sign(t, jose.ES256, priv, kid, "at+jwt", claims(func(c map[string]any) { delete(c, "exp") }))},
		{"exp not a number", "acme", sign(t, jose.ES256, priv, kid, "at+jwt", claims(func(c map[string]any) { c["exp"] = "soon" }))},
		{"JSON payload not an object", "acme", sign(t, jose.ES256, priv, kid, "at+jwt", nil)},
		{"empty", "acme", ""},
		{"garbage", "acme", "a.b.c"},
		{"JWE shape", "acme", "a.b.c.d.e"},
		{"huge", "acme", strings.Repeat("a", maxTokenLen+1)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := k.Verify(ctx, tc.tenant, tc.raw)
			if !errors.Is(err, ErrInvalidToken) || c != nil {
				t.Fatalf("got %+v, %v; want ErrInvalidToken", c, err)
			}
		})
	}

	// Accepted variants, for contrast.
	for _, typ := range []string{"AT+JWT", "application/at+jwt"} {
		raw := sign(t, jose.ES256, priv, kid, typ, claims(nil))
		if _, err := k.Verify(ctx, "acme", raw); err != nil {
			t.Errorf("typ %q: %v", typ, err)
		}
	}
	within := sign(t, jose.ES256, priv, kid, "at+jwt", claims(func(c map[string]any) { c["exp"] = now.Add(-leeway / 2).Unix() }))
	if _, err := k.Verify(ctx, "acme", within); err != nil {
		t.Errorf("expired within leeway: %v", err)
	}
}

func mustKey(t testing.TB, c elliptic.Curve) *ecdsa.PrivateKey {
	k, err := ecdsa.GenerateKey(c, rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func TestExpiry(t *testing.T) {
	ctx := context.Background()
	clk := &clock{t: time.Now()}
	k := newTestKeyring(t, newTestStore(t), clk)
	raw := issue(t, k, "acme", &Claims{Subject: "u", ExpiresAt: clk.Now().Add(time.Minute)})
	clk.Advance(time.Minute)
	if _, err := k.Verify(ctx, "acme", raw); err != nil {
		t.Fatalf("within leeway: %v", err)
	}
	clk.Advance(leeway)
	if _, err := k.Verify(ctx, "acme", raw); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("expired token: got %v", err)
	}
	if _, err := k.Issue(ctx, "acme", &Claims{Subject: "u", IssuedAt: clk.Now(), ExpiresAt: clk.Now()}); err == nil {
		t.Fatal("issued a token that expires when issued")
	}
}

func kidOf(t testing.TB, raw string) string {
	t.Helper()
	jws, err := jose.ParseSignedCompact(raw, parseAlgs)
	if err != nil {
		t.Fatal(err)
	}
	return jws.Signatures[0].Header.KeyID
}
