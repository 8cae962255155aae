package main

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
)

// Browser sign-in seen from an adversary's side: cookies, fixation,
// consent loops, outages, races across tenants and account enumeration.

// TestTenantNamedCSRF: a tenant whose slug is "csrf" gets a
// session cookie named like the pages' CSRF cookie ("tollgate-csrf");
// each page then overwrites the session with a CSRF token, so sign-in in
// that tenant never sticks (and the two secrets share one cookie).
func TestTenantNamedCSRF(t *testing.T) {
	e := startServer(t, "")
	e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"csrf","attributes":{"name":"CSRF Inc"}}}`, 201)
	e.api("POST", "/csrf/api/v1/entities/users", `{"data":{"type":"user","id":"carol","attributes":{"password":"carol-pw-123"}}}`, 201)
	app := attrs(e.api("POST", "/csrf/api/v1/entities/applications", `{"data":{"type":"application","attributes":{"name":"c web",
		"grantTypes":["authorization_code"],"redirectUris":["`+testRedirect+`"]}}}`, 201))
	conf := &oauth2.Config{ClientID: app["clientId"].(string), ClientSecret: app["clientSecret"].(string), RedirectURL: testRedirect,
		Endpoint: oauth2.Endpoint{AuthURL: e.base + "/csrf/oauth2/authorize", TokenURL: e.base + "/csrf/oauth2/token"}}
	b := e.browser(t)
	verifier := oauth2.GenerateVerifier()
	q := redirectParams(t, b.signIn(conf.AuthCodeURL("a", oauth2.S256ChallengeOption(verifier)), "carol", "carol-pw-123"), testRedirect)
	if q.Get("code") == "" {
		t.Fatalf("sign-in: %v", q)
	}
	// Any page render (here the sign-in page of the default tenant) must
	// not clobber the session.
	b.get("/login")
	again := b.get(conf.AuthCodeURL("b", oauth2.S256ChallengeOption(verifier)))
	if again.status != http.StatusSeeOther || !strings.HasPrefix(again.location, testRedirect+"?") {
		t.Fatalf("single sign-on in tenant csrf lost the session: %d %q", again.status, again.location)
	}
}

// TestSessionFixation: a session cookie planted before sign-in
// (here: the attacker's own live session) is ended by the sign-in, and
// the victim gets a new one.
func TestSessionFixation(t *testing.T) {
	e := startServer(t, "")
	e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"mallory","attributes":{"password":"mallory-pw-1"}}}`, 201)
	conf := e.webApp("confidential")
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier))
	attacker := e.browser(t)
	redirectParams(t, attacker.signIn(authURL, "mallory", "mallory-pw-1"), testRedirect)
	u, _ := url.Parse(e.base)
	var planted *http.Cookie
	for _, c := range attacker.client.Jar.Cookies(u) {
		if c.Name == "tollgate-default" {
			planted = c
		}
	}
	if planted == nil {
		t.Fatalf("no session cookie: %v", attacker.client.Jar.Cookies(u))
	}
	victim := e.browser(t)
	victim.client.Jar.SetCookies(u, []*http.Cookie{{Name: planted.Name, Value: planted.Value, Path: "/"}})
	// With the planted session the victim is mallory without a form:
	// that is login CSRF by cookie injection, which needs a cookie write
	// on our origin; the sign-in below must not keep it, though.
	p := victim.get(conf.AuthCodeURL("v", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "login")))
	form := victim.get(p.location)
	f := form.fields()
	f.Set("username", "john.doe")
	f.Set("password", "s3cret-pw")
	code := redirectParams(t, victim.submit(loginAction(t, form), f), testRedirect).Get("code")
	tok, err := conf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatal(err)
	}
	if in := e.introspect(tok.AccessToken); in["sub"] != "john.doe" {
		t.Fatalf("victim's token for %v", in["sub"])
	}
	// The planted session is over: the attacker's browser is signed out.
	none := attacker.get(conf.AuthCodeURL("n", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "none")))
	if q := redirectParams(t, none, testRedirect); q.Get("error") != "login_required" {
		t.Errorf("planted session survived the victim's sign-in: %v", q)
	}
	for _, c := range victim.client.Jar.Cookies(u) {
		if c.Name == "tollgate-default" && c.Value == planted.Value {
			t.Error("victim still carries the planted session id")
		}
	}
}

// thirdParty is a web application that gets the consent page.
func (e *env) thirdParty() *oauth2.Config {
	conf := e.webApp("confidential")
	e.api("PATCH", "/api/v1/entities/applications/"+conf.ClientID,
		`{"data":{"type":"application","id":"`+conf.ClientID+`","attributes":{"firstParty":false}}}`, 200)
	return conf
}

// TestConsentAfterForcedLogin: prompt=login (or max_age=0) to a
// third-party client: the user signs in, approves, and gets a code; the
// approval must not send them back to the sign-in form for ever.
func TestConsentAfterForcedLogin(t *testing.T) {
	e := startServer(t, "")
	conf := e.thirdParty()
	for _, extra := range []oauth2.AuthCodeOption{oauth2.SetAuthURLParam("prompt", "login"), oauth2.SetAuthURLParam("max_age", "0")} {
		b := e.browser(t)
		verifier := oauth2.GenerateVerifier()
		authURL := conf.AuthCodeURL("c", oauth2.S256ChallengeOption(verifier), extra, oauth2.SetAuthURLParam("scope", "openid orders:read"))
		ask := b.signIn(authURL, "john.doe", "s3cret-pw")
		if ask.status != http.StatusOK || !strings.Contains(ask.body, "Allow access?") {
			t.Fatalf("want the consent page, got %d %q", ask.status, ask.location)
		}
		f := ask.fields()
		f.Set("decision", "approve")
		p := b.submit(loginAction(t, ask), f)
		if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, testRedirect+"?") {
			t.Errorf("%s: approving sent the browser to %d %q, not the client", ask.fields().Get("authz"), p.status, p.location)
			continue
		}
		code := redirectParams(t, p, testRedirect).Get("code")
		if _, err := conf.Exchange(context.Background(), code, oauth2.VerifierOption(verifier)); err != nil {
			t.Error(err)
		}
		e.api("DELETE", "/api/v1/entities/users/john.doe/consents/"+conf.ClientID, "", 204)
	}
}

// TestSignInDuringOutage: with the database frozen or down, the
// sign-in pages answer a 503 page within about --database-timeout, with
// no detail of the failure, never a hang or a 500.
func TestSignInDuringOutage(t *testing.T) {
	c := pgtest.NewCluster(t)
	const timeout = 500 * time.Millisecond
	cfg := testConfig(t, c.DSN("postgres"))
	cfg.DatabaseTimeout = timeout
	e := startWith(t, cfg)
	e.federated(t)
	conf := e.webApp("confidential")
	signedIn := e.browser(t)
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier))
	redirectParams(t, signedIn.signIn(authURL, "john.doe", "s3cret-pw"), testRedirect)
	anon := e.browser(t)
	login := anon.get(anon.get(authURL).location)
	form := login.fields()
	form.Set("username", "john.doe")
	form.Set("password", "s3cret-pw")
	warmed := time.Now()
	time.Sleep(5*time.Second + 500*time.Millisecond - time.Since(warmed)) // client and tenant caches expire
	for _, outage := range c.Outages() {
		t.Run(outage.Name, func(t *testing.T) {
			if err := outage.Down(); err != nil {
				t.Fatal(err)
			}
			for _, step := range []struct {
				name string
				do   func() *page
			}{
				{"authorize, signed in", func() *page { return signedIn.get(authURL) }},
				{"authorize", func() *page { return anon.get(authURL) }},
				{"sign-in page", func() *page { return anon.get("/login?" + login.fields().Get("authz")) }},
				{"sign-in", func() *page { return anon.submit("/login", form) }},
				{"logout", func() *page { return signedIn.get("/oauth2/logout") }},
				{"console, signed in", func() *page { return signedIn.get("/console/") }},
				{"provider's callback", func() *page { return anon.get("/shop/login/callback/corp?state=x&code=y") }},
			} {
				began := time.Now()
				p := step.do()
				if took := time.Since(began); took > 4*timeout {
					t.Errorf("%s: answered after %v", step.name, took)
				}
				if p.status != http.StatusServiceUnavailable || strings.Contains(p.body, "sql") || strings.Contains(p.body, "postgres") {
					t.Errorf("%s: %d %q %s, want a 503 page", step.name, p.status, p.location, p.body)
				}
			}
			if err := outage.Back(); err != nil {
				t.Fatal(err)
			}
			// Polled without failing on the 503s a thawing database still
			// gives (passwordToken would fail the whole test on the first).
			within(t, 10*time.Second, "token endpoint after the outage", func() *response {
				return e.post("/token", url.Values{"grant_type": {"password"}, "username": {"john.doe"},
					"password": {"s3cret-pw"}}, e.clientID, e.clientSecret)
			}, 200)
		})
	}
}

// TestRaceAndCrossTenant: a code redeemed by many requests at
// once gives tokens once; a default-tenant session does not sign a user
// in for another tenant's client reached on the default tenant's paths;
// logout by a bare link asks first.
func TestRaceAndCrossTenant(t *testing.T) {
	e := startServer(t, "")
	conf := e.webApp("public")
	b := e.browser(t)
	verifier := oauth2.GenerateVerifier()
	code := redirectParams(t, b.signIn(conf.AuthCodeURL("s", oauth2.S256ChallengeOption(verifier)), "john.doe", "s3cret-pw"), testRedirect).Get("code")
	ok := make(chan bool, 16)
	for range 16 {
		go func() {
			r := e.post("/oauth2/token", url.Values{"grant_type": {"authorization_code"}, "code": {code}, "code_verifier": {verifier},
				"redirect_uri": {testRedirect}, "client_id": {conf.ClientID}}, "", "")
			ok <- r.status == http.StatusOK
		}()
	}
	wins := 0
	for range 16 {
		if <-ok {
			wins++
		}
	}
	if wins != 1 {
		t.Errorf("%d concurrent redemptions of one code succeeded", wins)
	}
	// john.doe's default-tenant session; shop's client on default paths.
	e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"shop"}}`, 201)
	e.api("POST", "/shop/api/v1/entities/users", `{"data":{"type":"user","id":"john.doe","attributes":{"password":"other-pw-123"}}}`, 201)
	shop := attrs(e.api("POST", "/shop/api/v1/entities/applications", `{"data":{"type":"application","attributes":{"name":"Shop",
		"grantTypes":["authorization_code"],"redirectUris":["`+testRedirect+`"]}}}`, 201))
	viaDefault := "/oauth2/authorize?" + url.Values{"response_type": {"code"}, "client_id": {shop["clientId"].(string)}, "state": {"x"},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(verifier)}, "code_challenge_method": {"S256"}}.Encode()
	if p := b.get(viaDefault); p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, "/shop/login?") {
		t.Errorf("default's session for shop's client: %d %q", p.status, p.location)
	}
	// The default tenant's password does not open shop's john.doe.
	f := form(b, viaDefault)
	f.Set("username", "john.doe")
	f.Set("password", "s3cret-pw")
	if p := b.submit("/shop/login", f); p.status != http.StatusOK || !strings.Contains(p.body, "Wrong username or password.") {
		t.Errorf("default's password at shop: %d %q", p.status, p.location)
	}
	// A bare logout link asks; the session lives on.
	if p := b.get("/oauth2/logout"); p.status != http.StatusOK || !strings.Contains(p.body, "Sign out") {
		t.Errorf("logout link: %d %q", p.status, p.location)
	}
	none := b.get(conf.AuthCodeURL("n", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("prompt", "none")))
	if q := redirectParams(t, none, testRedirect); q.Get("code") == "" {
		t.Errorf("signed out by a link: %v", q)
	}
}

// TestNoPasswordHintEnumerates: the sign-in page answers a user
// without a local password (one a provider signs in) as it answers an
// unknown name, so it tells no one which names are federated accounts;
// the hint to use a provider's button is on every refusal instead.
func TestNoPasswordHintEnumerates(t *testing.T) {
	e := startServer(t, "")
	e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"fed.user"}}`, 201)
	conf := e.webApp("confidential")
	b := e.browser(t)
	f := form(b, conf.AuthCodeURL("s", oauth2.S256ChallengeOption(oauth2.GenerateVerifier())))
	f.Set("password", "any-guess-1")
	f.Set("username", "fed.user")
	known := b.submit("/login", f)
	f.Set("username", "nobody.here")
	unknown := b.submit("/login", f)
	same := func(p *page, name string) string { return strings.ReplaceAll(p.body, name, "NAME") }
	if known.status != unknown.status || same(known, "fed.user") != same(unknown, "nobody.here") {
		t.Errorf("the answer tells a federated account from an unknown name:\n%s\n---\n%s", known.body, unknown.body)
	}
}
