package token

import (
	"context"
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
)

// signID signs an ID token for tenant with the application's alg and
// returns it with the algorithm its claims were given.
func signID(t *testing.T, k *Keyring, tenant, alg string) (raw, claimsAlg string) {
	t.Helper()
	raw, err := k.SignIDToken(context.Background(), tenant, alg, func(a string) any {
		claimsAlg = a
		return map[string]any{"iss": k.Issuer(tenant), "sub": "john", "aud": "app1", "sid": "s1"}
	})
	if err != nil {
		t.Fatalf("SignIDToken(%q): %v", alg, err)
	}
	return raw, claimsAlg
}

// header decodes a compact JWS's protected header.
func header(t *testing.T, raw string) (h struct{ Alg, Kid, Typ string }) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[0])
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

// keysOfUse returns the kids of the tenant's active keys of use.
func keysOfUse(t *testing.T, st KeyStore, tenant, use string) []string {
	t.Helper()
	keys, err := st.ListSigningKeys(context.Background(), tenant, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, k := range keys {
		if k.Use == use && k.RetiredAt == nil {
			out = append(out, k.ID)
		}
	}
	return out
}

// verifyWithJWKS checks raw's signature against the tenant's JWKS, as a
// relying party does, and returns the key that verified it.
func verifyWithJWKS(t *testing.T, k *Keyring, tenant, raw string) jose.JSONWebKey {
	t.Helper()
	set, err := k.JWKS(context.Background(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	jws, err := jose.ParseSignedCompact(raw, parseAlgs)
	if err != nil {
		t.Fatal(err)
	}
	keys := set.Key(jws.Signatures[0].Header.KeyID)
	if len(keys) != 1 {
		t.Fatalf("kid %s: %d keys in the JWKS", jws.Signatures[0].Header.KeyID, len(keys))
	}
	if _, err := jws.Verify(keys[0]); err != nil {
		t.Fatalf("JWKS does not verify the token: %v", err)
	}
	return keys[0]
}

// A tenant on ES256 whose application asks for RS256 ID tokens gets a
// second, RS256 key on first need: it signs those ID tokens only, is
// published, survives rotations of the access-token key, and never
// verifies an access token.
func TestRS256IDTokens(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	k := newTestKeyring(t, st, nil)
	if algs, _ := k.IDTokenAlgorithms(ctx, "acme"); !slices.Equal(algs, []string{"ES256", "RS256"}) {
		t.Fatalf("IDTokenAlgorithms of a tenant without keys: %v", algs)
	}
	at := issue(t, k, "acme", &Claims{Subject: "john"})
	_, atKid := activeKey(t, st, "acme")

	// The tenant's algorithm: the access-token key, no other key.
	raw, alg := signID(t, k, "acme", "")
	if h := header(t, raw); h.Alg != "ES256" || h.Kid != atKid || h.Typ != "JWT" || alg != "ES256" {
		t.Fatalf("ID token of the tenant's algorithm: %+v, claims told %s", h, alg)
	}
	if ids := keysOfUse(t, st, "acme", domain.KeyUseIDToken); len(ids) != 0 {
		t.Fatalf("an ID-token key was made without need: %v", ids)
	}

	// RS256: a new key of use id_token.
	raw, alg = signID(t, k, "acme", domain.IDTokenAlgRS256)
	ids := keysOfUse(t, st, "acme", domain.KeyUseIDToken)
	h := header(t, raw)
	if len(ids) != 1 || h.Alg != "RS256" || h.Kid != ids[0] || h.Typ != "JWT" || alg != "RS256" {
		t.Fatalf("RS256 ID token %+v (claims told %s), ID-token keys %v", h, alg, ids)
	}
	idKid := ids[0]
	if jwk := verifyWithJWKS(t, k, "acme", raw); jwk.Algorithm != "RS256" || jwk.Use != "sig" {
		t.Fatalf("published ID-token key: alg %q use %q", jwk.Algorithm, jwk.Use)
	}
	if again, _ := signID(t, k, "acme", domain.IDTokenAlgRS256); header(t, again).Kid != idKid {
		t.Fatal("a second RS256 ID token made another key")
	}
	if algs, _ := k.Algorithms(ctx, "acme"); !slices.Equal(algs, []string{"ES256", "RS256"}) {
		t.Fatalf("Algorithms with an ID-token key: %v", algs)
	}
	if algs, _ := k.IDTokenAlgorithms(ctx, "acme"); !slices.Equal(algs, []string{"ES256", "RS256"}) {
		t.Fatalf("IDTokenAlgorithms with an ID-token key: %v", algs)
	}
	if hint, err := k.VerifyIDTokenHint(ctx, "acme", raw); err != nil || hint.Subject != "john" || hint.SID != "s1" {
		t.Fatalf("id_token_hint signed by the ID-token key: %+v, %v", hint, err)
	}

	// Access tokens stay on the access-token key and keep verifying.
	next := issue(t, k, "acme", &Claims{Subject: "john"})
	if h := header(t, next); h.Alg != "ES256" || h.Kid != atKid {
		t.Fatalf("access token after the ID-token key: %+v", h)
	}
	for _, tok := range []string{at, next} {
		if _, err := k.Verify(ctx, "acme", tok); err != nil {
			t.Fatal(err)
		}
	}

	// Rotating the access-token key, with and without an algorithm, keeps
	// the ID-token key; an empty alg keeps ES256 though the newest active
	// key is the RS256 ID-token key.
	if err := k.Rotate(ctx, "acme", ""); err != nil {
		t.Fatal(err)
	}
	if h := header(t, issue(t, k, "acme", &Claims{Subject: "john"})); h.Alg != "ES256" || h.Kid == atKid || h.Kid == idKid {
		t.Fatalf("access token after rotating to the same algorithm: %+v", h)
	}
	if err := k.Rotate(ctx, "acme", "EdDSA"); err != nil {
		t.Fatal(err)
	}
	if h := header(t, issue(t, k, "acme", &Claims{Subject: "john"})); h.Alg != "EdDSA" {
		t.Fatalf("access token after rotating to EdDSA: %+v", h)
	}
	if ids := keysOfUse(t, st, "acme", domain.KeyUseIDToken); !slices.Equal(ids, []string{idKid}) {
		t.Fatalf("ID-token keys after rotations: %v, want %s", ids, idKid)
	}
	raw, _ = signID(t, k, "acme", domain.IDTokenAlgRS256)
	if h := header(t, raw); h.Alg != "RS256" || h.Kid != idKid {
		t.Fatalf("RS256 ID token after rotations: %+v", h)
	}
	if raw, _ := signID(t, k, "acme", ""); header(t, raw).Alg != "EdDSA" {
		t.Fatal("an ID token of the tenant's algorithm is not EdDSA after the rotation")
	}

	// Another node, and a read-only source, learn the key from the store.
	k2 := newTestKeyring(t, st, nil)
	if raw, _ := signID(t, k2, "acme", domain.IDTokenAlgRS256); header(t, raw).Kid != idKid {
		t.Fatal("another node made its own ID-token key")
	}
	src := NewKeySource(st, testBase)
	if _, err := src.VerifyIDTokenHint(ctx, "acme", raw); err != nil {
		t.Fatalf("a verifier refuses the ID-token key's hint: %v", err)
	}
}

// A tenant whose access-token key is RS256 signs RS256 ID tokens with it:
// no second key.
func TestRS256IDTokensOnAnRS256Tenant(t *testing.T) {
	st := newMemStore()
	k := newTestKeyringAlg(t, st, nil, "RS256")
	raw, _ := signID(t, k, "acme", domain.IDTokenAlgRS256)
	_, kid := activeKey(t, st, "acme")
	if h := header(t, raw); h.Alg != "RS256" || h.Kid != kid {
		t.Fatalf("ID token %+v, want the access-token key %s", h, kid)
	}
	if ids := keysOfUse(t, st, "acme", domain.KeyUseIDToken); len(ids) != 0 {
		t.Fatalf("ID-token keys: %v", ids)
	}
	_, err := k.SignIDToken(context.Background(), "acme", "HS256", func(string) any { return nil })
	if !errors.Is(err, ErrUnsupportedAlgorithm) {
		t.Fatalf("HS256 ID tokens: %v", err)
	}
}

// A stolen ID token is no access token: not as it is (typ JWT), nor
// relabelled at+jwt and signed again with the ID-token key, whose kid
// Verify refuses, on the token service and on a verifier alike.
func TestIDTokenKeyVerifiesNoAccessToken(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	k := newTestKeyring(t, st, nil)
	src := NewKeySource(publicOnly{st}, testBase)
	at := issue(t, k, "acme", &Claims{Subject: "john"})
	idTok, _ := signID(t, k, "acme", domain.IDTokenAlgRS256)
	priv, kid := newestKey(t, st, "acme", domain.KeyUseIDToken)
	forged := sign(t, jose.RS256, priv, kid, "at+jwt", map[string]any{
		"iss": testBase + "/acme", "sub": "john", "client_id": "app1",
		"iat": time.Now().Unix(), "exp": time.Now().Add(time.Hour).Unix(), "jti": "x",
	})
	for name, v := range map[string]interface {
		Verify(context.Context, string, string) (*Claims, error)
	}{"keyring": k, "verifier": src} {
		if _, err := v.Verify(ctx, "acme", at); err != nil {
			t.Fatalf("%s: access token: %v", name, err)
		}
		if _, err := v.Verify(ctx, "acme", idTok); !errors.Is(err, ErrInvalidToken) {
			t.Errorf("%s: ID token as an access token: %v", name, err)
		}
		_, err := v.Verify(ctx, "acme", forged)
		if !errors.Is(err, ErrInvalidToken) || !strings.Contains(err.Error(), "only ID tokens") {
			t.Errorf("%s: at+jwt signed by the ID-token key: %v", name, err)
		}
	}
}

// Concurrent first uses on one node make one ID-token key.
func TestRS256IDTokenKeyCreatedOnce(t *testing.T) {
	st := newTestStore(t)
	k := newTestKeyring(t, st, nil)
	if err := k.EnsureKey(context.Background(), "acme"); err != nil {
		t.Fatal(err)
	}
	const n = 8
	toks := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			toks[i], errs[i] = k.SignIDToken(context.Background(), "acme", domain.IDTokenAlgRS256,
				func(string) any { return map[string]any{} })
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	ids := keysOfUse(t, st, "acme", domain.KeyUseIDToken)
	if len(ids) != 1 {
		t.Fatalf("%d ID-token keys, want 1", len(ids))
	}
	for _, raw := range toks {
		if kid := header(t, raw).Kid; kid != ids[0] {
			t.Fatalf("an ID token signed by %s, want %s", kid, ids[0])
		}
	}
}
