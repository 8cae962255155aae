package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"golang.org/x/oauth2"
)

// TestSignInTenantIsolation: a session, a client and a code of one tenant
// are nothing in another.
func TestSignInTenantIsolation(t *testing.T) {
	e := startServer(t, "")
	shop := e.federated(t) // tenants corp and shop, alice in corp
	corp := attrs(e.api("POST", "/corp/api/v1/entities/applications", `{"data":{"type":"application","attributes":{"name":"Corp web",
		"grantTypes":["authorization_code"],"redirectUris":["`+testRedirect+`"]}}}`, 201))
	corpConf := &oauth2.Config{ClientID: corp["clientId"].(string), ClientSecret: corp["clientSecret"].(string), RedirectURL: testRedirect,
		Endpoint: oauth2.Endpoint{AuthURL: e.base + "/corp/oauth2/authorize", TokenURL: e.base + "/corp/oauth2/token"}}
	b := e.browser(t)
	verifier := oauth2.GenerateVerifier()
	code := redirectParams(t, b.signIn(corpConf.AuthCodeURL("c", oauth2.S256ChallengeOption(verifier)), "alice", "alice-pw-123"), testRedirect).Get("code")

	// corp's session does not sign alice in at shop.
	none := shop.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "none"))
	if q := redirectParams(t, b.get(none), testRedirect); q.Get("error") != "login_required" {
		t.Errorf("corp's session at shop: %v", q)
	}
	// corp's client does not exist on shop's paths.
	wrong := strings.Replace(corpConf.AuthCodeURL("c", oauth2.S256ChallengeOption(verifier)), "/corp/", "/shop/", 1)
	if p := b.get(wrong); p.status != http.StatusBadRequest || p.location != "" {
		t.Errorf("corp's client on shop's paths: %d %q", p.status, p.location)
	}
	// corp's code is refused at shop's token endpoint, even by shop's client.
	r := e.post("/shop/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
		"redirect_uri": {testRedirect}}, shop.ClientID, shop.ClientSecret)
	if r.status != http.StatusBadRequest || r.str("error") != "invalid_grant" {
		t.Errorf("corp's code at shop: %d %s", r.status, r.raw)
	}
	// Still good at corp: the refusal above did not consume it.
	if _, err := corpConf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier)); err != nil {
		t.Errorf("corp's code at corp: %v", err)
	}
	// The sign-in, the consent-free code and the sign-out are audited.
	evs := e.auditEvents("/corp/api/v1/audit?action=signin", 1)
	if !has(evs, map[string]string{"action": "signin", "outcome": "success", "userId": "alice", "clientId": corpConf.ClientID}) {
		t.Errorf("sign-in events %v", evs)
	}
}
