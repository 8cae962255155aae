package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/go-jose/go-jose/v4"
	"golang.org/x/oauth2"

	"github.com/tollgate-dev/tollgate/internal/token"
	"github.com/tollgate-dev/tollgate/internal/token/assertiontest"
)

// DPoP (RFC 9449) end to end: proofs built with go-jose, the token
// endpoint binding tokens, the gateway checking them, introspection and
// discovery saying so.

func newDPoPKey(t *testing.T) assertiontest.DPoPKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return assertiontest.DPoPKey{Key: k, Alg: jose.ES256}
}

// tokenWithProof posts a token request with the given DPoP headers.
func (e *env) tokenWithProof(form url.Values, id, secret string, proofs ...string) *response {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.base+"/oauth2/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if id != "" {
		req.SetBasicAuth(url.QueryEscape(id), url.QueryEscape(secret))
	}
	for _, p := range proofs {
		req.Header.Add("DPoP", p)
	}
	return e.send(req)
}

// claimsOf decodes a JWT's payload, unverified.
func claimsOf(t *testing.T, raw string) map[string]any {
	t.Helper()
	parts := strings.Split(raw, ".")
	b, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	return m
}

func TestDPoP(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		key := newDPoPKey(t)
		tokenURL := e.base + "/oauth2/token"
		cc := url.Values{"grant_type": {"client_credentials"}, "scope": {"orders:read"}}

		r := e.tokenWithProof(cc, e.clientID, e.clientSecret, key.Proof(t, "POST", tokenURL, nil))
		if r.status != http.StatusOK || r.str("token_type") != "DPoP" {
			t.Fatalf("token with a proof: %d %s", r.status, r.raw)
		}
		bound := r.str("access_token")
		cnf, _ := claimsOf(t, bound)["cnf"].(map[string]any)
		if cnf["jkt"] != key.JKT(t) {
			t.Fatalf("cnf %v, want jkt %s", cnf, key.JKT(t))
		}
		in := e.post("/oauth2/introspect", url.Values{"token": {bound}}, e.clientID, e.clientSecret)
		if in.str("token_type") != "DPoP" || in.body["cnf"].(map[string]any)["jkt"] != key.JKT(t) {
			t.Fatalf("introspection of a bound token: %s", in.raw)
		}
		if md := e.do("GET", "/.well-known/openid-configuration", "", "", ""); !strings.Contains(md.raw, `"dpop_signing_alg_values_supported":["ES256","EdDSA","RS256"]`) {
			t.Fatalf("discovery: %s", md.raw)
		}

		t.Run("token endpoint refusals", func(t *testing.T) {
			replayed := key.Proof(t, "POST", tokenURL, nil)
			if r := e.tokenWithProof(cc, e.clientID, e.clientSecret, replayed); r.status != http.StatusOK {
				t.Fatalf("first use: %d %s", r.status, r.raw)
			}
			for name, proofs := range map[string][]string{
				"replayed":       {replayed},
				"wrong htu":      {key.Proof(t, "POST", e.base+"/oauth2/revoke", nil)},
				"wrong htm":      {key.Proof(t, "GET", tokenURL, nil)},
				"two headers":    {key.Proof(t, "POST", tokenURL, nil), key.Proof(t, "POST", tokenURL, nil)},
				"not a JWT":      {"nope"},
				"expired":        {key.Proof(t, "POST", tokenURL, map[string]any{"iat": 1})},
				"gateway's htu":  {key.Proof(t, "POST", e.app.GatewayURL()+"/oauth2/token", nil)},
				"other tenant's": {key.Proof(t, "POST", e.base+"/acme/oauth2/token", nil)},
			} {
				if r := e.tokenWithProof(cc, e.clientID, e.clientSecret, proofs...); r.status != http.StatusBadRequest || r.str("error") != "invalid_dpop_proof" {
					t.Errorf("%s: %d %s", name, r.status, r.raw)
				}
			}
		})

		t.Run("gateway", func(t *testing.T) {
			up := upstreamEcho(t)
			e.createOrdersAPI(up.URL)
			path := "/orders/v1/items/42"
			htu := e.app.GatewayURL() + path
			call := func(scheme, tok string, proofs ...string) *response {
				h := http.Header{"Authorization": {scheme + " " + tok}}
				if len(proofs) > 0 {
					h["Dpop"] = proofs
				}
				return e.gatewayDo("GET", path, "", h)
			}
			ath := map[string]any{"ath": token.AccessTokenHash(bound)}
			if r := call("DPoP", bound, key.Proof(t, "GET", htu, ath)); r.status != http.StatusOK {
				t.Fatalf("bound token with its proof: %d %s", r.status, r.raw)
			}
			replayed := key.Proof(t, "GET", htu, ath)
			call("DPoP", bound, replayed)
			unbound := e.clientCredentials(e.clientID, e.clientSecret).str("access_token")
			other := newDPoPKey(t)
			for name, r := range map[string]*response{
				"as Bearer":          call("Bearer", bound),
				"no proof":           call("DPoP", bound),
				"replayed proof":     call("DPoP", bound, replayed),
				"wrong htm":          call("DPoP", bound, key.Proof(t, "PUT", htu, ath)),
				"wrong htu":          call("DPoP", bound, key.Proof(t, "GET", e.app.GatewayURL()+"/orders/v1/items/43", ath)),
				"no ath":             call("DPoP", bound, key.Proof(t, "GET", htu, nil)),
				"ath of another":     call("DPoP", bound, key.Proof(t, "GET", htu, map[string]any{"ath": token.AccessTokenHash(unbound)})),
				"another key":        call("DPoP", bound, other.Proof(t, "GET", htu, ath)),
				"unbound token DPoP": call("DPoP", unbound, key.Proof(t, "GET", htu, map[string]any{"ath": token.AccessTokenHash(unbound)})),
			} {
				if r.status != http.StatusUnauthorized {
					t.Errorf("%s: %d %s", name, r.status, r.raw)
				}
				if name != "unbound token DPoP" && !strings.HasPrefix(r.header.Get("WWW-Authenticate"), "DPoP ") {
					t.Errorf("%s: challenge %q", name, r.header.Get("WWW-Authenticate"))
				}
			}
			if r := call("Bearer", unbound); r.status != http.StatusOK {
				t.Fatalf("unbound token as Bearer: %d %s", r.status, r.raw)
			}
			// A bound token short of a scope is challenged as DPoP; a
			// request without a token is offered both schemes.
			put := e.gatewayDo("PUT", path, "", http.Header{"Authorization": {"DPoP " + bound},
				"Dpop": {key.Proof(t, "PUT", htu, ath)}})
			if put.status != http.StatusForbidden || !strings.HasPrefix(put.header.Get("WWW-Authenticate"), "DPoP ") {
				t.Errorf("insufficient scope of a bound token: %d %q", put.status, put.header.Get("WWW-Authenticate"))
			}
			if c := e.gatewayDo("GET", path, "", nil).header.Values("WWW-Authenticate"); len(c) != 2 || !strings.HasPrefix(c[1], "DPoP ") {
				t.Errorf("challenges without a token: %q", c)
			}
		})

		t.Run("a bound token is no bearer token elsewhere", func(t *testing.T) {
			id, secret := e.createApp("", `"grantTypes":["client_credentials"],"scopes":["tollgate:admin"]`)
			adminCC := url.Values{"grant_type": {"client_credentials"}, "scope": {"tollgate:admin"}}
			unbound := e.tokenWithProof(adminCC, id, secret).str("access_token")
			if r := e.do("GET", "/api/v1/entities/users", "", "", "Bearer "+unbound); r.status != http.StatusOK {
				t.Fatalf("admin API with an unbound admin token: %d %s", r.status, r.raw)
			}
			boundAdmin := e.tokenWithProof(adminCC, id, secret, key.Proof(t, "POST", tokenURL, nil)).str("access_token")
			if r := e.do("GET", "/api/v1/entities/users", "", "", "Bearer "+boundAdmin); r.status != http.StatusUnauthorized {
				t.Errorf("admin API with a bound token as Bearer: %d %s", r.status, r.raw)
			}
		})

		t.Run("requireDpop", func(t *testing.T) {
			id, secret := e.createApp("", `"grantTypes":["client_credentials"],"scopes":["orders:read"],"requireDpop":true`)
			if r := e.clientCredentials(id, secret); r.status != http.StatusBadRequest || r.str("error") != "invalid_dpop_proof" {
				t.Fatalf("no proof: %d %s", r.status, r.raw)
			}
			if r := e.tokenWithProof(url.Values{"grant_type": {"client_credentials"}}, id, secret, key.Proof(t, "POST", tokenURL, nil)); r.status != http.StatusOK || r.str("token_type") != "DPoP" {
				t.Fatalf("with a proof: %d %s", r.status, r.raw)
			}
		})

		t.Run("public client refresh token bound", func(t *testing.T) {
			conf := e.webApp("public")
			b := e.browser(t)
			verifier := oauth2.GenerateVerifier()
			q := redirectParams(t, b.signIn(conf.AuthCodeURL("x", oauth2.S256ChallengeOption(verifier)), "john.doe", "s3cret-pw"), testRedirect)
			r := e.tokenWithProof(url.Values{"grant_type": {"authorization_code"}, "code": {q.Get("code")}, "code_verifier": {verifier},
				"redirect_uri": {testRedirect}, "client_id": {conf.ClientID}}, "", "", key.Proof(t, "POST", tokenURL, nil))
			if r.status != http.StatusOK || r.str("token_type") != "DPoP" {
				t.Fatalf("code exchange with a proof: %d %s", r.status, r.raw)
			}
			refresh := func(rt string, proofs ...string) *response {
				return e.tokenWithProof(url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}, "client_id": {conf.ClientID}}, "", "", proofs...)
			}
			in := e.post("/oauth2/introspect", url.Values{"token": {r.str("refresh_token")}}, e.clientID, e.clientSecret)
			if in.body["cnf"] == nil {
				t.Fatalf("refresh token introspection without cnf: %s", in.raw)
			}
			next := refresh(r.str("refresh_token"), key.Proof(t, "POST", tokenURL, nil))
			if next.status != http.StatusOK || next.str("token_type") != "DPoP" {
				t.Fatalf("refresh with the key: %d %s", next.status, next.raw)
			}
			// A thief with the refresh token but not the key ends the session.
			if s := refresh(next.str("refresh_token"), newDPoPKey(t).Proof(t, "POST", tokenURL, nil)); s.status != http.StatusBadRequest || s.str("error") != "invalid_grant" {
				t.Fatalf("refresh with another key: %d %s", s.status, s.raw)
			}
			if s := refresh(next.str("refresh_token"), key.Proof(t, "POST", tokenURL, nil)); s.status != http.StatusBadRequest {
				t.Fatalf("the session survived a refresh with the wrong key: %d %s", s.status, s.raw)
			}
		})
	})
}

// TestDPoPNonce: with --dpop-nonce, a proof without the server's nonce
// gets use_dpop_nonce and the nonce; the retry with it succeeds and
// carries the next.
func TestDPoPNonce(t *testing.T) {
	cfg := testConfig(t, "")
	cfg.DPoPNonce = true
	e := startWith(t, cfg)
	key := newDPoPKey(t)
	tokenURL := e.base + "/oauth2/token"
	cc := url.Values{"grant_type": {"client_credentials"}}
	r := e.tokenWithProof(cc, e.clientID, e.clientSecret, key.Proof(t, "POST", tokenURL, nil))
	nonce := r.header.Get("DPoP-Nonce")
	if r.status != http.StatusBadRequest || r.str("error") != "use_dpop_nonce" || nonce == "" {
		t.Fatalf("no nonce: %d %s %q", r.status, r.raw, nonce)
	}
	for _, bad := range []string{"made-up", nonce + "x"} {
		if r := e.tokenWithProof(cc, e.clientID, e.clientSecret, key.Proof(t, "POST", tokenURL, map[string]any{"nonce": bad})); r.str("error") != "use_dpop_nonce" {
			t.Errorf("nonce %q: %d %s", bad, r.status, r.raw)
		}
	}
	r = e.tokenWithProof(cc, e.clientID, e.clientSecret, key.Proof(t, "POST", tokenURL, map[string]any{"nonce": nonce}))
	if r.status != http.StatusOK || r.header.Get("DPoP-Nonce") == "" {
		t.Fatalf("with the nonce: %d %s", r.status, r.raw)
	}
	if r := e.clientCredentials(e.clientID, e.clientSecret); r.status != http.StatusOK {
		t.Fatalf("a bearer request needs no nonce: %d %s", r.status, r.raw)
	}
}

// TestDPoPNodeJose: a client written with node's jose, for each
// algorithm, gets a bound token and calls the gateway with it.
func TestDPoPNodeJose(t *testing.T) {
	run := nodeScript(t, "dpop.mjs")
	e := startServer(t, "")
	e.createOrdersAPI(upstreamEcho(t).URL)
	in, _ := json.Marshal(map[string]string{"tokenURL": e.base + "/oauth2/token", "clientId": e.clientID,
		"clientSecret": e.clientSecret, "resourceURL": e.app.GatewayURL() + "/orders/v1/items/42"})
	var out map[string]struct {
		TokenType, JKT, AccessToken string
		Resource                    int
	}
	if err := json.Unmarshal(runNode(t, run, in), &out); err != nil || len(out) != 3 {
		t.Fatalf("node printed %v: %v", out, err)
	}
	for alg, r := range out {
		cnf, _ := claimsOf(t, r.AccessToken)["cnf"].(map[string]any)
		if r.TokenType != "DPoP" || r.Resource != http.StatusOK || cnf["jkt"] != r.JKT {
			t.Errorf("%s: token type %q, resource %d, cnf %v, want jkt %s", alg, r.TokenType, r.Resource, cnf, r.JKT)
		}
	}
}
