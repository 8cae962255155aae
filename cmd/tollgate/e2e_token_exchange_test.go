package main

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/oauth"
)

// Token exchange (RFC 8693) end to end.

// exchanger creates an application of tenant that may exchange tokens as
// policy (a JSON object) says.
func (e *env) exchanger(tenant, scopes, policy string) (id, secret string) {
	e.t.Helper()
	return e.createApp(tenant, `"grantTypes":["`+domain.GrantTokenExchange+`","client_credentials"],"scopes":`+scopes+`,"tokenExchange":`+policy)
}

func (e *env) exchange(tenant, id, secret string, form url.Values) *response {
	e.t.Helper()
	form.Set("grant_type", domain.GrantTokenExchange)
	return e.post(prefix(tenant)+"/oauth2/token", form, id, secret)
}

func subject(tok string) url.Values {
	return url.Values{"subject_token": {tok}, "subject_token_type": {oauth.TokenTypeAccessToken}}
}

func TestTokenExchange(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		const aud = "https://reports.example.com"
		userTok := e.passwordToken("orders:read").str("access_token")
		xID, xSecret := e.exchanger("", `["orders:read","orders:write"]`,
			`{"allowedSubjectIssuers":["self"],"allowImpersonation":true,"allowedAudiences":["`+aud+`"]}`)

		// Impersonation: the user's token, the exchanger's client id, the
		// audience asked for, the scopes of the subject token.
		r := e.exchange("", xID, xSecret, withParam(subject(userTok), "audience", aud))
		if r.status != http.StatusOK || r.str("issued_token_type") != oauth.TokenTypeAccessToken || r.str("token_type") != "Bearer" ||
			r.str("scope") != "orders:read" || r.body["refresh_token"] != nil {
			t.Fatalf("impersonation: %d %s", r.status, r.raw)
		}
		if r := e.exchange("", xID, xSecret, withParam(subject(userTok), "resource", aud)); r.status != http.StatusOK ||
			claimsOf(t, r.str("access_token"))["aud"].([]any)[0] != aud {
			t.Fatalf("an allowed resource: %d %s", r.status, r.raw)
		}
		c := claimsOf(t, r.str("access_token"))
		if c["sub"] != "john.doe" || c["client_id"] != xID || c["aud"].([]any)[0] != aud || c["act"] != nil {
			t.Fatalf("impersonation claims: %v", c)
		}

		// Delegation, twice: the chain nests, the latest actor outermost.
		actorTok := e.clientCredentials(xID, xSecret).str("access_token")
		d := e.exchange("", xID, xSecret, withParam(withParam(subject(userTok), "actor_token", actorTok), "actor_token_type", oauth.TokenTypeAccessToken))
		if d.status != http.StatusOK {
			t.Fatalf("delegation: %d %s", d.status, d.raw)
		}
		yID, ySecret := e.exchanger("", `["orders:read"]`, `{"allowedSubjectIssuers":["self"],"allowImpersonation":false,"allowedAudiences":[]}`)
		yTok := e.clientCredentials(yID, ySecret).str("access_token")
		chain := e.exchange("", yID, ySecret, withParam(withParam(subject(d.str("access_token")), "actor_token", yTok), "actor_token_type", oauth.TokenTypeAccessToken))
		if chain.status != http.StatusOK {
			t.Fatalf("second hop: %d %s", chain.status, chain.raw)
		}
		act, _ := claimsOf(t, chain.str("access_token"))["act"].(map[string]any)
		if act["sub"] != yID || act["act"].(map[string]any)["sub"] != xID {
			t.Fatalf("act of the second hop: %v", act)
		}
		in := e.post("/oauth2/introspect", url.Values{"token": {chain.str("access_token")}}, e.clientID, e.clientSecret)
		if in.body["act"].(map[string]any)["sub"] != yID || in.str("sub") != "john.doe" {
			t.Fatalf("introspection of a delegated token: %s", in.raw)
		}

		// The exchanged token lives no longer than the subject and shares
		// its session: revoking the session's refresh token ends it.
		pw := e.passwordToken("orders:read")
		ex := e.exchange("", xID, xSecret, subject(pw.str("access_token")))
		sc, xc := claimsOf(t, pw.str("access_token")), claimsOf(t, ex.str("access_token"))
		if xc["exp"].(float64) > sc["exp"].(float64) || xc["sid"] != sc["sid"] || xc["sid"] == nil {
			t.Fatalf("exchanged exp %v sid %v, subject exp %v sid %v", xc["exp"], xc["sid"], sc["exp"], sc["sid"])
		}
		e.post("/oauth2/revoke", url.Values{"token": {pw.str("refresh_token")}}, e.clientID, e.clientSecret)
		if in := e.post("/oauth2/introspect", url.Values{"token": {ex.str("access_token")}}, e.clientID, e.clientSecret); in.body["active"] != false {
			t.Fatalf("an exchanged token outlived its session: %s", in.raw)
		}

		// An API token is a subject too.
		apiTok := e.createAPIToken(e.admin, "john.doe", "ci", `,"attributes":{"scopes":["orders:read"]}`)
		if r := e.exchange("", xID, xSecret, subject(apiTok)); r.status != http.StatusOK || claimsOf(t, r.str("access_token"))["sub"] != "john.doe" {
			t.Fatalf("API token as subject: %d %s", r.status, r.raw)
		}

		revoked := e.passwordToken("orders:read").str("access_token")
		e.post("/oauth2/revoke", url.Values{"token": {revoked}}, e.clientID, e.clientSecret)
		e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"acme","attributes":{"name":"Acme"}}}`, 201)
		acmeID, acmeSecret := e.createApp("acme", `"grantTypes":["client_credentials"]`)
		acmeTok := e.clientCredentials(acmeID, acmeSecret).str("access_token")
		noPolicyID, noPolicySecret := e.createApp("", `"grantTypes":["`+domain.GrantTokenExchange+`"],"scopes":["orders:read"]`)
		noGrantID, noGrantSecret := e.createApp("", `"grantTypes":["client_credentials"],"scopes":["orders:read"],`+
			`"tokenExchange":{"allowedSubjectIssuers":["self"],"allowImpersonation":true,"allowedAudiences":[]}`)
		foreignOnlyID, foreignOnlySecret := e.exchanger("", `["orders:read"]`,
			`{"allowedSubjectIssuers":["https://idp.example.com"],"allowImpersonation":true,"allowedAudiences":[]}`)
		for name, tc := range map[string]struct {
			id, secret string
			form       url.Values
			status     int
			code       string
		}{
			"scope the subject lacks":      {xID, xSecret, withParam(subject(userTok), "scope", "orders:write"), 400, "invalid_scope"},
			"audience not allowed":         {xID, xSecret, withParam(subject(userTok), "audience", "https://evil.example"), 400, "invalid_target"},
			"resource not allowed":         {xID, xSecret, withParam(subject(userTok), "resource", "https://evil.example"), 400, "invalid_target"},
			"impersonation not allowed":    {yID, ySecret, subject(userTok), 400, "unauthorized_client"},
			"no policy":                    {noPolicyID, noPolicySecret, subject(userTok), 400, "unauthorized_client"},
			"grant type not allowed":       {noGrantID, noGrantSecret, subject(userTok), 400, "unauthorized_client"},
			"own tokens not allowed":       {foreignOnlyID, foreignOnlySecret, subject(userTok), 400, "invalid_request"},
			"the subject as its own actor": {xID, xSecret, withParam(withParam(subject(userTok), "actor_token", userTok), "actor_token_type", oauth.TokenTypeAccessToken), 400, "invalid_request"},
			"another client as the actor":  {xID, xSecret, withParam(withParam(subject(userTok), "actor_token", yTok), "actor_token_type", oauth.TokenTypeAccessToken), 400, "invalid_request"},
			"garbage":                      {xID, xSecret, subject("not-a-token"), 400, "invalid_request"},
			"revoked":                      {xID, xSecret, subject(revoked), 400, "invalid_request"},
			"another tenant's":             {xID, xSecret, subject(acmeTok), 400, "invalid_request"},
			"a client's own token":         {xID, xSecret, subject(actorTok), 400, "invalid_request"},
			"no subject_token_type":        {xID, xSecret, url.Values{"subject_token": {userTok}}, 400, "invalid_request"},
			"unknown subject_token_type":   {xID, xSecret, url.Values{"subject_token": {userTok}, "subject_token_type": {"saml"}}, 400, "invalid_request"},
			"actor without type":           {xID, xSecret, withParam(subject(userTok), "actor_token", actorTok), 400, "invalid_request"},
			"refresh token requested":      {xID, xSecret, withParam(subject(userTok), "requested_token_type", "urn:ietf:params:oauth:token-type:refresh_token"), 400, "invalid_request"},
			"wrong client secret":          {xID, "nope", subject(userTok), 401, "invalid_client"},
			"own ID token type for a self": {xID, xSecret, url.Values{"subject_token": {userTok}, "subject_token_type": {oauth.TokenTypeIDToken}}, 400, "invalid_request"},
		} {
			r := e.exchange("", tc.id, tc.secret, tc.form)
			if r.status != tc.status || r.str("error") != tc.code {
				t.Errorf("%s: %d %s, want %d %s", name, r.status, r.raw, tc.status, tc.code)
			}
		}

		// The admin API refuses a policy that cannot work.
		for name, policy := range map[string]string{
			"no issuer":      `{"allowedSubjectIssuers":[],"allowImpersonation":false,"allowedAudiences":[]}`,
			"bad issuer":     `{"allowedSubjectIssuers":["ftp://x"],"allowImpersonation":false,"allowedAudiences":[]}`,
			"unknown member": `{"allowedSubjectIssuers":["self"],"everyone":true}`,
			"not an object":  `true`,
		} {
			doc := `{"data":{"type":"application","attributes":{"name":"x","grantTypes":["client_credentials"],"tokenExchange":` + policy + `}}}`
			if r := e.doWith("POST", "/api/v1/entities/applications", "application/vnd.api+json", doc, map[string]string{"Authorization": "Bearer " + e.admin}); r.status != http.StatusBadRequest && r.status != http.StatusUnprocessableEntity {
				t.Errorf("%s: %d %s", name, r.status, r.raw)
			}
		}
		if r := e.doWith("POST", "/api/v1/entities/applications", "application/vnd.api+json", `{"data":{"type":"application","attributes":{"name":"spa",
			"clientType":"public","grantTypes":["authorization_code"],"redirectUris":["`+testRedirect+`"],
			"tokenExchange":{"allowedSubjectIssuers":["self"],"allowImpersonation":true,"allowedAudiences":[]}}}}`,
			map[string]string{"Authorization": "Bearer " + e.admin}); r.status != http.StatusBadRequest && r.status != http.StatusUnprocessableEntity ||
			!strings.Contains(r.raw, "tokenExchange") {
			t.Errorf("a public client with a policy: %d %s", r.status, r.raw)
		}
	})
}

// TestTokenExchangeFederated: a token of one of the tenant's identity
// providers (tenant corp of the same server, as shop's provider) is
// exchanged for shop's token of the user linked to its subject.
func TestTokenExchangeFederated(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		conf := e.federated(t)
		b := e.browser(t)
		redirectParams(t, b.get(b.federatedSignIn(conf.AuthCodeURL("x", oauth2.S256ChallengeOption(oauth2.GenerateVerifier()))).location), testRedirect) // links alice
		// corp's application for shop may also use the password grant,
		// so the test can get a corp token issued to it.
		idp := attrs(e.api("GET", "/shop/api/v1/entities/identityProviders/corp", "", 200))
		corpApp := idp["clientId"].(string)
		e.api("PATCH", "/corp/api/v1/entities/applications/"+corpApp, `{"data":{"type":"application","id":"`+corpApp+
			`","attributes":{"grantTypes":["authorization_code","password"]}}}`, 200)
		corpSecret := attrs(e.api("POST", "/corp/api/v1/entities/applications/"+corpApp+"/secret", "", 200))["clientSecret"].(string)
		corpTok := e.post("/corp/oauth2/token", url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"alice-pw-123"}},
			corpApp, corpSecret)
		if corpTok.status != http.StatusOK {
			t.Fatalf("corp token: %d %s", corpTok.status, corpTok.raw)
		}
		xID, xSecret := e.exchanger("shop", `["cart:read"]`,
			`{"allowedSubjectIssuers":["`+e.base+`/corp"],"allowImpersonation":true,"allowedAudiences":[]}`)
		r := e.exchange("shop", xID, xSecret, withParam(subject(corpTok.str("access_token")), "scope", "cart:read"))
		if r.status != http.StatusOK || r.str("scope") != "cart:read" {
			t.Fatalf("exchange of corp's token: %d %s", r.status, r.raw)
		}
		if c := claimsOf(t, r.str("access_token")); c["sub"] != "alice" || c["iss"] != e.base+"/shop" {
			t.Fatalf("claims %v", c)
		}
		// Delegation too: the actor is the client's own token, whatever
		// subject issuers its policy names.
		own := e.post("/shop/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, xID, xSecret).str("access_token")
		d := e.exchange("shop", xID, xSecret, withParam(withParam(withParam(subject(corpTok.str("access_token")), "scope", "cart:read"),
			"actor_token", own), "actor_token_type", oauth.TokenTypeAccessToken))
		if act, _ := claimsOf(t, d.str("access_token"))["act"].(map[string]any); d.status != http.StatusOK || act["sub"] != xID {
			t.Fatalf("delegation of a provider's token: %d %s", d.status, d.raw)
		}

		// Not trusted by this client's policy, and issued to another corp
		// client: both refused.
		selfID, selfSecret := e.exchanger("shop", `["cart:read"]`, `{"allowedSubjectIssuers":["self"],"allowImpersonation":true,"allowedAudiences":[]}`)
		if r := e.exchange("shop", selfID, selfSecret, subject(corpTok.str("access_token"))); r.str("error") != "invalid_request" {
			t.Errorf("an issuer the policy does not list: %d %s", r.status, r.raw)
		}
		otherID, otherSecret := e.createApp("corp", `"grantTypes":["password"]`)
		other := e.post("/corp/oauth2/token", url.Values{"grant_type": {"password"}, "username": {"alice"}, "password": {"alice-pw-123"}},
			otherID, otherSecret).str("access_token")
		if r := e.exchange("shop", xID, xSecret, subject(other)); r.str("error") != "invalid_request" {
			t.Errorf("a corp token issued to another client: %d %s", r.status, r.raw)
		}
	})
}

func withParam(v url.Values, name, value string) url.Values {
	c := url.Values{}
	for k, vs := range v {
		c[k] = append([]string(nil), vs...)
	}
	c.Set(name, value)
	return c
}
