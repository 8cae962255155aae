package main

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/tollgate-dev/tollgate/internal/oauth"
	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
	"github.com/tollgate-dev/tollgate/internal/token/assertiontest"
)

// pkjClient is a private_key_jwt client of the test server.
type pkjClient struct {
	e   *env
	id  string
	key crypto.Signer
	alg jose.SignatureAlgorithm
	kid string
}

// assertion signs a client assertion for the default tenant's token
// endpoint, with a fresh jti unless jti is given.
func (c *pkjClient) assertion(t *testing.T, mutate func(*jwt.Claims)) string {
	t.Helper()
	now := time.Now()
	claims := jwt.Claims{Issuer: c.id, Subject: c.id, Audience: jwt.Audience{c.e.base + "/oauth2/token"},
		ID: rand.Text(), IssuedAt: jwt.NewNumericDate(now), Expiry: jwt.NewNumericDate(now.Add(time.Minute))}
	if mutate != nil {
		mutate(&claims)
	}
	return assertiontest.Sign(t, c.key, c.alg, c.kid, claims)
}

func (c *pkjClient) token(a string) *response {
	return c.e.post("/oauth2/token", url.Values{"grant_type": {"client_credentials"},
		"client_assertion_type": {oauth.AssertionTypeJWT}, "client_assertion": {a}}, "", "")
}

// TestPrivateKeyJWT (issue 18 item 2): an application that registered
// public keys, inline or at a jwksUri, authenticates with assertions
// signed by them (ES256, RS256, EdDSA); each assertion works once; what
// RFC 7523 refuses is invalid_client; its secret no longer works; the
// admin API refuses keys it cannot use and addresses the upstream rule
// forbids; discovery lists the method.
func TestPrivateKeyJWT(t *testing.T) {
	t.Run("sqlite", func(t *testing.T) { testPrivateKeyJWT(t, "") })
	t.Run("postgres", func(t *testing.T) { testPrivateKeyJWT(t, pgtest.NewDatabase(t)) })
}

func testPrivateKeyJWT(t *testing.T, dsn string) {
	cfg := testConfig(t, dsn)
	cfg.GatewayAllowUpstream = []string{"127.0.0.1"} // the jwksUri server below
	e := startWith(t, cfg)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	rs, _ := rsa.GenerateKey(rand.Reader, 2048)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	inline := assertiontest.KeySet(t, jose.JSONWebKey{Key: ec.Public(), KeyID: "ec"}, jose.JSONWebKey{Key: rs.Public(), KeyID: "rs"},
		jose.JSONWebKey{Key: ed.Public(), KeyID: "ed"})
	out := e.api("POST", "/api/v1/entities/applications", `{"data":{"type":"application","attributes":{"name":"signer",`+
		`"grantTypes":["client_credentials"],"jwks":`+inline+`}}}`, 201)
	data := out["data"].(map[string]any)
	id, secret := data["id"].(string), data["attributes"].(map[string]any)["clientSecret"].(string)
	if got := data["attributes"].(map[string]any)["jwks"].(map[string]any)["keys"].([]any); len(got) != 3 {
		t.Fatalf("jwks read back with %d keys", len(got))
	}
	c := &pkjClient{e: e, id: id, key: ec, alg: jose.ES256, kid: "ec"}

	for _, k := range []struct {
		key crypto.Signer
		alg jose.SignatureAlgorithm
		kid string
	}{{ec, jose.ES256, "ec"}, {rs, jose.RS256, "rs"}, {ed, jose.EdDSA, "ed"}} {
		signer := &pkjClient{e: e, id: id, key: k.key, alg: k.alg, kid: k.kid}
		if r := signer.token(signer.assertion(t, nil)); r.status != 200 || r.str("access_token") == "" {
			t.Fatalf("%s: %d %s", k.alg, r.status, r.raw)
		}
	}
	a := c.assertion(t, nil)
	if r := c.token(a); r.status != 200 {
		t.Fatalf("first use: %d %s", r.status, r.raw)
	}
	expect(t, "the same assertion again", c.token(a), 401, "invalid_client")
	// Sent 8 times at once: one success (the store decides, as it does
	// across nodes: TestClusterRaces's embed nonce uses the same table).
	a = c.assertion(t, nil)
	var ok atomic.Int32
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			if c.token(a).status == 200 {
				ok.Add(1)
			}
		})
	}
	wg.Wait()
	if ok.Load() != 1 {
		t.Fatalf("one assertion sent 8 times at once: %d successes", ok.Load())
	}
	expect(t, "the issuer as audience", c.token(c.assertion(t, func(cl *jwt.Claims) { cl.Audience = jwt.Audience{e.base} })), 200, "")
	forger, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	refused := map[string]string{
		"another audience": c.assertion(t, func(cl *jwt.Claims) { cl.Audience = jwt.Audience{"https://elsewhere/token"} }),
		"exp 10 min ahead": c.assertion(t, func(cl *jwt.Claims) { cl.Expiry = jwt.NewNumericDate(time.Now().Add(10 * time.Minute)) }),
		"expired":          c.assertion(t, func(cl *jwt.Claims) { cl.Expiry = jwt.NewNumericDate(time.Now().Add(-time.Minute)) }),
		"sub not client":   c.assertion(t, func(cl *jwt.Claims) { cl.Subject = "admin" }),
		"forged":           (&pkjClient{e: e, id: id, key: forger, alg: jose.ES256, kid: "ec"}).assertion(t, nil),
		"unknown client":   (&pkjClient{e: e, id: "nobody", key: ec, alg: jose.ES256, kid: "ec"}).assertion(t, nil),
	}
	for what, a := range refused {
		expect(t, what, c.token(a), 401, "invalid_client")
	}
	expect(t, "its secret, now that it has keys", e.post("/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, id, secret), 401, "invalid_client")
	expect(t, "an assertion with a secret", e.post("/oauth2/token", url.Values{"grant_type": {"client_credentials"},
		"client_assertion_type": {oauth.AssertionTypeJWT}, "client_assertion": {c.assertion(t, nil)}}, id, secret), 400, "invalid_request")
	expect(t, "another assertion type", e.post("/oauth2/token", url.Values{"grant_type": {"client_credentials"},
		"client_assertion_type": {"urn:example:saml"}, "client_assertion": {c.assertion(t, nil)}}, "", ""), 400, "invalid_request")
	expect(t, "client_id differing from iss", e.post("/oauth2/token", url.Values{"grant_type": {"client_credentials"}, "client_id": {e.clientID},
		"client_assertion_type": {oauth.AssertionTypeJWT}, "client_assertion": {c.assertion(t, nil)}}, "", ""), 401, "invalid_client")
	// Introspection authenticates the same way.
	tok := c.token(c.assertion(t, nil)).str("access_token")
	r := e.post("/oauth2/introspect", url.Values{"token": {tok}, "client_assertion_type": {oauth.AssertionTypeJWT},
		"client_assertion": {c.assertion(t, nil)}}, "", "")
	if r.status != 200 || r.body["active"] != true {
		t.Fatalf("introspection with an assertion: %d %s", r.status, r.raw)
	}

	// Fetching again, when a client rotates its published keys, is
	// TestClientKeySetsFetch's (package oauth, with a clock to set).
	t.Run("jwksUri", func(t *testing.T) {
		var fetches atomic.Int32
		keys := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			fetches.Add(1)
			w.Header().Set("Content-Type", "application/jwk-set+json")
			_, _ = w.Write([]byte(assertiontest.KeySet(t, jose.JSONWebKey{Key: ec.Public(), KeyID: "k1"})))
		}))
		defer keys.Close()
		out := e.api("POST", "/api/v1/entities/applications", `{"data":{"type":"application","attributes":{"name":"published",`+
			`"grantTypes":["client_credentials"],"jwksUri":"`+keys.URL+`/jwks.json"}}}`, 201)
		pc := &pkjClient{e: e, id: out["data"].(map[string]any)["id"].(string), key: ec, alg: jose.ES256, kid: "k1"}
		for range 3 {
			expect(t, "signed with the published key", pc.token(pc.assertion(t, nil)), 200, "")
		}
		if n := fetches.Load(); n != 1 {
			t.Fatalf("%d fetches for three assertions, want 1 (cached)", n)
		}
		forged := &pkjClient{e: e, id: pc.id, key: forger, alg: jose.ES256, kid: "k1"}
		expect(t, "forged, with the key set cached", forged.token(forged.assertion(t, nil)), 401, "invalid_client")
		expect(t, "expired, well signed", pc.token(pc.assertion(t, func(cl *jwt.Claims) {
			cl.Expiry = jwt.NewNumericDate(time.Now().Add(-time.Minute))
		})), 401, "invalid_client")
		// Neither refusal fetched the keys again: the forged one within the
		// refetch spacing, the expired one because its signature was good.
		if n := fetches.Load(); n != 1 {
			t.Fatalf("%d fetches after the refusals, want 1", n)
		}
	})

	t.Run("the admin API refuses keys it cannot use", func(t *testing.T) {
		app := func(attrs string) string {
			return `{"data":{"type":"application","attributes":{"name":"x","grantTypes":["client_credentials"],` + attrs + `}}}`
		}
		priv := assertiontest.KeySet(t, jose.JSONWebKey{Key: ec})
		for what, attrs := range map[string]string{
			"a private key":         `"jwks":` + priv,
			"not a key set":         `"jwks":[1,2]`,
			"both":                  `"jwks":` + inline + `,"jwksUri":"https://keys.example/jwks"`,
			"a public client":       `"clientType":"public","grantTypes":["authorization_code"],"redirectUris":["https://app.example/cb"],"jwks":` + inline,
			"http to a public host": `"jwksUri":"http://keys.example/jwks"`,
			"a private address":     `"jwksUri":"https://10.1.2.3/jwks"`,
		} {
			r := e.apiAs(e.admin, "POST", "/api/v1/entities/applications", app(attrs), 400)
			if !strings.Contains(jsonString(r), "jwks") {
				t.Errorf("%s: the error names no jwks field: %v", what, r)
			}
		}
		// Keys can be removed, and then the secret works again.
		e.api("PATCH", "/api/v1/entities/applications/"+id, `{"data":{"type":"application","id":"`+id+`","attributes":{"jwks":null}}}`, 200)
		within(t, 2*time.Second, "the secret after the keys were removed", func() *response {
			return e.post("/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, id, secret)
		}, 200)
	})

	meta := e.do("GET", "/.well-known/openid-configuration", "", "", "")
	if !strings.Contains(meta.raw, `"private_key_jwt"`) || !strings.Contains(meta.raw, `"token_endpoint_auth_signing_alg_values_supported":["ES256","EdDSA","RS256"]`) {
		t.Fatalf("discovery does not list private_key_jwt: %s", meta.raw)
	}
}

func jsonString(v any) string { b, _ := json.Marshal(v); return string(b) }

// TestPrivateKeyJWTNodeJose: assertions a Node.js client signs with npm's
// jose (testdata/assert.mjs), one per algorithm, authenticate. make test
// sets TOLLGATE_TEST_NODE=1 and installs jose into TOLLGATE_NODE_DIR
// (scripts/ensure-deps.sh); then a missing node or jose fails the test.
func TestPrivateKeyJWTNodeJose(t *testing.T) {
	run := nodeScript(t, "assert.mjs")
	e := startServer(t, "")
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	_, ed, _ := ed25519.GenerateKey(rand.Reader)
	rs, _ := rsa.GenerateKey(rand.Reader, 2048)
	type nodeKey struct {
		Alg string          `json:"alg"`
		JWK jose.JSONWebKey `json:"jwk"`
	}
	keys := []nodeKey{
		{"ES256", jose.JSONWebKey{Key: ec, KeyID: "ec"}},
		{"EdDSA", jose.JSONWebKey{Key: ed, KeyID: "ed"}},
		{"RS256", jose.JSONWebKey{Key: rs, KeyID: "rs"}},
	}
	var public []jose.JSONWebKey
	for _, k := range keys {
		public = append(public, k.JWK.Public())
	}
	out := e.api("POST", "/api/v1/entities/applications", `{"data":{"type":"application","attributes":{"name":"node",`+
		`"grantTypes":["client_credentials"],"jwks":`+assertiontest.KeySet(t, public...)+`}}}`, 201)
	id := out["data"].(map[string]any)["id"].(string)
	in, err := json.Marshal(map[string]any{"clientId": id, "aud": e.base + "/oauth2/token", "keys": keys})
	if err != nil {
		t.Fatal(err)
	}
	raw := runNode(t, run, in)
	var assertions []string
	if err := json.Unmarshal(raw, &assertions); err != nil || len(assertions) != len(keys) {
		t.Fatalf("node printed %q: %v", raw, err)
	}
	c := &pkjClient{e: e, id: id}
	for i, a := range assertions {
		if r := c.token(a); r.status != 200 || r.str("access_token") == "" {
			t.Errorf("%s assertion from node jose: %d %s", keys[i].Alg, r.status, r.raw)
		}
	}
}

// nodeScript readies testdata/name to run with node beside the jose
// package (its import resolves only there), skipping unless the Node.js
// interop tests are on.
func nodeScript(t *testing.T, name string) string {
	t.Helper()
	if os.Getenv("TOLLGATE_TEST_NODE") != "1" {
		t.Skip("set TOLLGATE_TEST_NODE=1 (make test) to run the Node.js interop tests")
	}
	dir := os.Getenv("TOLLGATE_NODE_DIR")
	if _, err := os.Stat(filepath.Join(dir, "node_modules", "jose", "package.json")); err != nil {
		t.Fatalf("jose is not installed in TOLLGATE_NODE_DIR=%q (scripts/ensure-deps.sh installs it): %v", dir, err)
	}
	script, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	run := filepath.Join(dir, "tollgate-"+name)
	if err := os.WriteFile(run, script, 0o644); err != nil {
		t.Fatal(err)
	}
	return run
}

// runNode runs script with in on stdin and returns what it printed.
func runNode(t *testing.T, script string, in []byte) []byte {
	t.Helper()
	cmd := exec.Command("node", script)
	cmd.Stdin = bytes.NewReader(in)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("node: %v: %s", err, stderr.String())
	}
	return out
}
