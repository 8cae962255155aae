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
	tok, err := corpConf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("corp's code at corp: %v", err)
	}
	// The app has no refresh grant, yet a replay still revokes the access
	// token the code gave: it carries the code's family.
	if _, err := corpConf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier)); err == nil {
		t.Error("a code redeemed twice")
	} else if re := (*oauth2.RetrieveError)(nil); !asRetrieve(err, &re) || re.ErrorCode != "invalid_grant" {
		t.Errorf("replay: %v, want invalid_grant", err)
	}
	in := e.post("/corp/oauth2/introspect", url.Values{"token": {tok.AccessToken}}, corpConf.ClientID, corpConf.ClientSecret)
	if in.status != http.StatusOK || in.body["active"] != false {
		t.Errorf("the access token of a replayed code (no refresh grant): %d %s", in.status, in.raw)
	}
	// The sign-in, the consent-free code and the sign-out are audited.
	evs := e.auditEvents("/corp/api/v1/audit?action=signin", 1)
	if !has(evs, map[string]string{"action": "signin", "outcome": "success", "userId": "alice", "clientId": corpConf.ClientID}) {
		t.Errorf("sign-in events %v", evs)
	}
	m := e.do("GET", "/metrics", "", "", "").raw
	for _, want := range []string{`tollgate_audit_events_total{action="signin",outcome="success"}`,
		`tollgate_tokens_total{grant="authorization_code",outcome="issued",reason="",tenant="corp"} 1`,
		`tollgate_tokens_total{grant="authorization_code",outcome="refused",reason="invalid_grant",tenant="shop"} 1`} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %s", want)
		}
	}
}

// TestSessionOnEveryNode: two nodes on one PostgreSQL database. A session
// begun on one signs the user in on the other, a code from one redeems on
// the other, and a sign-out on either ends the session on both.
func TestSessionOnEveryNode(t *testing.T) {
	n1, n2 := twoNodes(t)
	conf := n1.webApp("confidential")
	at := func(e *env) *oauth2.Config {
		c := *conf
		c.Endpoint = oauth2.Endpoint{AuthURL: e.base + "/oauth2/authorize", TokenURL: e.base + "/oauth2/token"}
		return &c
	}
	b1 := n1.browser(t)
	b2 := &browser{t: t, e: n2, client: b1.client} // the same browser, the other node
	verifier := oauth2.GenerateVerifier()
	redirectParams(t, b1.signIn(at(n1).AuthCodeURL("a", oauth2.S256ChallengeOption(verifier)), "john.doe", "s3cret-pw"), testRedirect)
	none := oauth2.SetAuthURLParam("prompt", "none")
	code := redirectParams(t, b2.get(at(n2).AuthCodeURL("b", oauth2.S256ChallengeOption(verifier), none)), testRedirect).Get("code")
	if code == "" {
		t.Fatal("node 2 did not know node 1's session")
	}
	if _, err := at(n1).Exchange(context.Background(), code, oauth2.VerifierOption(verifier)); err != nil {
		t.Fatalf("node 2's code at node 1: %v", err)
	}
	ask := b2.get("/oauth2/logout")
	if ask.status != http.StatusOK {
		t.Fatalf("logout without a hint: want the confirmation page, got %d", ask.status)
	}
	if p := b2.submit(loginAction(t, ask), ask.fields()); p.status != http.StatusOK || !strings.Contains(p.body, "You are signed out.") {
		t.Fatalf("confirmed logout: %d %s", p.status, p.body)
	}
	if q := redirectParams(t, b1.get(at(n1).AuthCodeURL("c", oauth2.S256ChallengeOption(verifier), none)), testRedirect); q.Get("error") != "login_required" {
		t.Fatalf("node 1 after the sign-out on node 2: %v", q)
	}
}
