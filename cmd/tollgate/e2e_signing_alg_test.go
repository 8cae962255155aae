package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2/clientcredentials"
)

// Per-tenant signing algorithms end to end: a tenant rotated to EdDSA and
// then RS256 through the admin API issues tokens that go-oidc verifies
// with nothing but discovery and the remote JWKS, and that the gateway
// accepts; tokens of the earlier keys keep working.

// jwtAlg returns the alg of a compact JWT's header.
func jwtAlg(t *testing.T, raw string) string { return jwtHeader(t, raw).Alg }

// jwtHeader decodes a compact JWT's header.
func jwtHeader(t *testing.T, raw string) (h struct{ Alg, Kid string }) {
	t.Helper()
	b, err := base64.RawURLEncoding.DecodeString(strings.Split(raw, ".")[0])
	if err != nil {
		t.Fatalf("header of %q: %v", raw, err)
	}
	if err := json.Unmarshal(b, &h); err != nil {
		t.Fatal(err)
	}
	return h
}

// discoveredAlgs returns the tenant's advertised signing algorithms.
func (e *env) discoveredAlgs(tenant string) []string {
	e.t.Helper()
	r := e.do("GET", prefix(tenant)+"/.well-known/openid-configuration", "", "", "")
	var doc struct {
		Algs []string `json:"id_token_signing_alg_values_supported"`
	}
	if err := json.Unmarshal([]byte(r.raw), &doc); err != nil || r.status != 200 {
		e.t.Fatalf("discovery: %d %s", r.status, r.raw)
	}
	return doc.Algs
}

func TestSigningAlgorithms(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		ctx := context.Background()
		up := upstreamEcho(t)
		e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"acme","attributes":{"name":"Acme"}}}`, 201)
		e.api("POST", "/acme/api/v1/entities/scopes", `{"data":{"type":"scope","id":"orders:read"}}`, 201)
		e.api("POST", "/acme/api/v1/entities/apis", `{"data":{"type":"api","id":"orders","attributes":{"context":"/acme/orders",`+
			`"upstream":"`+up.URL+`","resources":[{"method":"GET","path":"/items/{id}","scopes":["orders:read"]}]}}}`, 201)
		id, secret := e.createApp("acme", `"grantTypes":["client_credentials"],"scopes":["orders:read"],"defaultScopes":["orders:read"]`)
		cc := clientcredentials.Config{ClientID: id, ClientSecret: secret, TokenURL: e.base + "/acme/oauth2/token",
			EndpointParams: url.Values{"resource": {"https://api.example.com"}}}
		issue := func(want string) string {
			t.Helper()
			tok, err := cc.Token(ctx)
			if err != nil {
				t.Fatalf("client_credentials: %v", err)
			}
			if got := jwtAlg(t, tok.AccessToken); got != want {
				t.Fatalf("token signed with %s, want %s", got, want)
			}
			return tok.AccessToken
		}
		const rotate = "/acme/api/v1/actions/keys/rotate"

		// RS256 always: an application may ask for RS256 ID tokens.
		if algs := e.discoveredAlgs("acme"); !slices.Equal(algs, []string{"ES256", "RS256"}) {
			t.Fatalf("new tenant advertises %v", algs)
		}
		tokens := map[string]string{"ES256": issue("ES256")}
		e.api("POST", rotate, `{"alg":"EdDSA"}`, 204)
		tokens["EdDSA"] = issue("EdDSA")
		if algs := e.discoveredAlgs("acme"); !slices.Equal(algs, []string{"EdDSA", "ES256", "RS256"}) {
			t.Fatalf("after rotating to EdDSA acme advertises %v", algs)
		}
		e.api("POST", rotate, `{"alg":"RS256"}`, 204)
		tokens["RS256"] = issue("RS256")
		if algs := e.discoveredAlgs("acme"); !slices.Equal(algs, []string{"RS256", "EdDSA", "ES256"}) {
			t.Fatalf("after rotating to RS256 acme advertises %v", algs)
		}
		// Without a body the algorithm stays.
		e.api("POST", rotate, "", 204)
		_ = issue("RS256")

		// go-oidc, told nothing but the issuer: discovery decides the
		// algorithms, the remote JWKS the keys.
		provider, err := oidc.NewProvider(ctx, e.base+"/acme")
		if err != nil {
			t.Fatalf("discovery: %v", err)
		}
		verifier := provider.Verifier(&oidc.Config{ClientID: "https://api.example.com"})
		for alg, tok := range tokens {
			if _, err := verifier.Verify(ctx, tok); err != nil {
				t.Errorf("go-oidc rejected the %s token: %v", alg, err)
			}
			expect(t, alg+" token at the gateway", e.gatewayDo("GET", "/acme/orders/items/1", tok, nil), 200, "")
		}

		// An unsupported algorithm: 400 naming the supported ones, nothing changed.
		for _, alg := range []string{"HS256", "none", "PS256"} {
			doc := e.api("POST", rotate, `{"alg":"`+alg+`"}`, 400)
			detail, _ := doc["errors"].([]any)[0].(map[string]any)["detail"].(string)
			if !strings.Contains(detail, "ES256, EdDSA, RS256") {
				t.Errorf("%s: error detail %q", alg, detail)
			}
		}
		if algs := e.discoveredAlgs("acme"); !slices.Equal(algs, []string{"RS256", "EdDSA", "ES256"}) {
			t.Fatalf("a refused rotation changed the advertised algorithms: %v", algs)
		}
		_ = issue("RS256")

		// The default tenant was never rotated.
		if algs := e.discoveredAlgs(""); !slices.Equal(algs, []string{"ES256", "RS256"}) {
			t.Fatalf("default tenant advertises %v", algs)
		}
		evs := e.auditEvents("/acme/api/v1/audit?action=signing_key.rotate", 3)
		var targets []string
		for _, ev := range evs {
			targets = append(targets, auditAttrs(ev)["target"].(string))
		}
		if !slices.Equal(targets, []string{"RS256", "RS256", "EdDSA"}) {
			t.Errorf("rotation audit targets %v, want the new keys' algorithms, newest first", targets)
		}
	})
}

// --signing-alg picks the algorithm of every tenant's first key; keys made
// before keep theirs across a restart with another value.
func TestSigningAlgFlag(t *testing.T) {
	cfg := testConfig(t, "")
	cfg.SigningAlg = "EdDSA"
	e, stop := launch(t, cfg)
	e.seed()
	if alg := jwtAlg(t, e.passwordToken("").str("access_token")); alg != "EdDSA" {
		t.Fatalf("default tenant's first key: %s", alg)
	}
	e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"acme","attributes":{"name":"Acme"}}}`, 201)
	if algs := e.discoveredAlgs("acme"); !slices.Equal(algs, []string{"EdDSA", "RS256"}) {
		t.Fatalf("new tenant advertises %v", algs)
	}

	// Restart on the same data with RS256: the default tenant keeps its
	// EdDSA key, a tenant made now starts on RS256.
	cfg2 := *cfg
	cfg2.SigningAlg = "RS256"
	if err := stop(); err != nil {
		t.Fatal(err)
	}
	e2, _ := launch(t, &cfg2)
	if algs := e2.discoveredAlgs(""); !slices.Equal(algs, []string{"EdDSA", "RS256"}) {
		t.Fatalf("after restart the default tenant advertises %v", algs)
	}
	e2.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"beta","attributes":{"name":"Beta"}}}`, 201)
	e2.api("POST", "/beta/api/v1/actions/keys/rotate", "", 204) // the first key, made by rotation, has the default too
	if algs := e2.discoveredAlgs("beta"); !slices.Equal(algs, []string{"RS256"}) {
		t.Fatalf("tenant made after the restart advertises %v", algs)
	}

	// A bad value stops the server before it opens anything.
	_, err := run(t, "", "serve", "--data-dir", t.TempDir(), "--signing-alg", "HS256")
	if err == nil || !strings.Contains(err.Error(), "--signing-alg") || !strings.Contains(err.Error(), "ES256, EdDSA, RS256") {
		t.Fatalf("serve --signing-alg HS256: %v", err)
	}
}

// A remote gateway gets the keys through the gateway feed: EdDSA and RS256
// keys cross the wire and verify there, and a rotation is picked up from
// the first token that names the new kid.
func TestRemoteGatewaySigningAlgorithms(t *testing.T) {
	e := startServer(t, "")
	up := upstreamEcho(t)
	e.createOrdersAPI(up.URL)
	rg := startRemoteGateway(t, e.base, e.base)
	get := func(tok string) func() *response {
		return func() *response {
			req, _ := http.NewRequest("GET", rg.URL()+"/orders/v1/items/1", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			return doReq(t, req)
		}
	}
	tokens := map[string]string{}
	for _, alg := range []string{"ES256", "EdDSA", "RS256"} {
		if alg != "ES256" {
			e.api("POST", "/api/v1/actions/keys/rotate", `{"alg":"`+alg+`"}`, 204)
		}
		tokens[alg] = e.passwordToken("orders:read").str("access_token")
		if got := jwtAlg(t, tokens[alg]); got != alg {
			t.Fatalf("token signed with %s, want %s", got, alg)
		}
		within(t, 3*time.Second, alg+" token at the remote gateway", get(tokens[alg]), 200)
	}
	for alg, tok := range tokens {
		expect(t, alg+" token after the last rotation", get(tok)(), 200, "")
	}
	// A token whose header claims another algorithm than its key's.
	parts := strings.Split(tokens["EdDSA"], ".")
	hdr, _ := base64.RawURLEncoding.DecodeString(parts[0])
	forged := base64.RawURLEncoding.EncodeToString([]byte(strings.Replace(string(hdr), `"EdDSA"`, `"RS256"`, 1)))
	expect(t, "EdDSA token relabelled RS256", get(forged+"."+parts[1]+"."+parts[2])(), 401, "invalid_token")
}
