package oauth

import (
	"context"
	"errors"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

const (
	codeClient    = "code-client" // authorization_code, first party
	thirdParty    = "third-party" // authorization_code, consent needed
	codeRedirect  = "https://app.example/cb"
	otherRedirect = "http://127.0.0.1:8400/cb"
	testChallenge = "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM" // RFC 7636 appendix B
	sessionUser   = "john.doe"
	sessionTenant = domain.DefaultTenant
)

// withCodeClients adds the browser clients to e.
func withCodeClients(t testing.TB, e *testEnv) {
	t.Helper()
	for _, a := range []domain.Application{
		{ID: codeClient, FirstParty: true, RedirectURIs: []string{codeRedirect, otherRedirect}},
		{ID: thirdParty, RedirectURIs: []string{codeRedirect}},
	} {
		a.Name, a.ClientType = a.ID, domain.ClientConfidential
		a.GrantTypes = []string{domain.GrantAuthorizationCode, domain.GrantRefreshToken}
		a.Scopes = []string{"orders:read", "orders:write"}
		a.AccessTokenTTL, a.RefreshTokenTTL = time.Hour, time.Hour
		if err := e.st.CreateApplication(context.Background(), sessionTenant, &a); err != nil {
			t.Fatal(err)
		}
	}
}

func authorizeQuery(over map[string]string) url.Values {
	q := url.Values{"response_type": {"code"}, "client_id": {codeClient}, "redirect_uri": {codeRedirect},
		"state": {"xyz"}, "code_challenge": {testChallenge}, "code_challenge_method": {"S256"}}
	for k, v := range over {
		if v == "" {
			q.Del(k)
		} else {
			q.Set(k, v)
		}
	}
	return q
}

func TestParseAuthorize(t *testing.T) {
	e := newTestEnv(t)
	withCodeClients(t, e)
	ctx := context.Background()
	for _, c := range []struct {
		name     string
		over     map[string]string
		redirect bool   // refused with a redirect to the client
		code     string // the error code; "" for success
	}{
		{"good", nil, false, ""},
		{"unknown client", map[string]string{"client_id": "nope"}, false, CodeInvalidRequest},
		{"embed client", map[string]string{"client_id": domain.EmbedApplicationID}, false, CodeInvalidRequest},
		{"no redirect, two registered", map[string]string{"redirect_uri": ""}, false, CodeInvalidRequest},
		{"redirect differs by a slash", map[string]string{"redirect_uri": codeRedirect + "/"}, false, CodeInvalidRequest},
		{"redirect differs in case", map[string]string{"redirect_uri": strings.ToUpper(codeRedirect)}, false, CodeInvalidRequest},
		{"client without the grant", map[string]string{"client_id": webClient}, false, CodeInvalidRequest},
		{"no response_type", map[string]string{"response_type": ""}, true, CodeInvalidRequest},
		{"token", map[string]string{"response_type": "token"}, true, CodeUnsupportedResponseType},
		{"no challenge", map[string]string{"code_challenge": ""}, true, CodeInvalidRequest},
		{"plain", map[string]string{"code_challenge_method": "plain"}, true, CodeInvalidRequest},
		{"method missing", map[string]string{"code_challenge_method": ""}, true, CodeInvalidRequest},
		{"short challenge", map[string]string{"code_challenge": "abc"}, true, CodeInvalidRequest},
		{"prompt none+login", map[string]string{"prompt": "none login"}, true, CodeInvalidRequest},
		{"unknown prompt", map[string]string{"prompt": "create"}, true, CodeInvalidRequest},
		{"bad max_age", map[string]string{"max_age": "-1"}, true, CodeInvalidRequest},
		{"bad scope", map[string]string{"scope": "a\"b"}, true, CodeInvalidScope},
		{"relative resource", map[string]string{"resource": "/api"}, true, CodeInvalidTarget},
		{"request object", map[string]string{"request": "x"}, true, CodeRequestNotSupported},
		{"response_mode fragment", map[string]string{"response_mode": "fragment"}, true, CodeInvalidRequest},
	} {
		t.Run(c.name, func(t *testing.T) {
			r, err := e.srv.ParseAuthorize(ctx, sessionTenant, authorizeQuery(c.over))
			var re *RedirectError
			switch {
			case c.code == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case c.code == "":
				if r.RedirectURI != codeRedirect || r.Challenge != testChallenge {
					t.Fatalf("request %+v", r)
				}
			case errors.As(err, &re) != c.redirect:
				t.Fatalf("redirect %v, want %v: %v", errors.As(err, &re), c.redirect, err)
			case AsError(err).Code != c.code:
				t.Fatalf("code %q, want %q", AsError(err).Code, c.code)
			case c.redirect && !strings.HasPrefix(re.Location(), codeRedirect+"?") || c.redirect && !strings.Contains(re.Location(), "state=xyz"):
				t.Fatalf("location %q", re.Location())
			}
		})
	}
}

func TestAuthorizeDecisions(t *testing.T) {
	e := newTestEnv(t)
	withCodeClients(t, e)
	ctx := context.Background()
	now := time.Now()
	sess := &domain.Session{ID: "s1", UserID: sessionUser, AuthTime: now.Add(-time.Hour), Methods: []string{domain.AMRPassword}}
	decide := func(over map[string]string, in *SignedIn) (*Decision, error) {
		r, err := e.srv.ParseAuthorize(ctx, sessionTenant, authorizeQuery(over))
		if err != nil {
			t.Fatal(err)
		}
		return e.srv.Authorize(ctx, r, in)
	}
	if d, err := decide(nil, nil); err != nil || d.Next != NextLogin {
		t.Errorf("no session: %+v %v", d, err)
	}
	if _, err := decide(map[string]string{"prompt": "none"}, nil); AsError(err).Code != CodeLoginRequired {
		t.Errorf("prompt=none, no session: %v", err)
	}
	if d, err := decide(map[string]string{"prompt": "login"}, &SignedIn{Session: sess}); err != nil || d.Next != NextLogin {
		t.Errorf("prompt=login: %+v %v", d, err)
	}
	if d, err := decide(map[string]string{"prompt": "login"}, &SignedIn{Session: sess, Fresh: true}); err != nil || d.Next != NextRedirect {
		t.Errorf("prompt=login, just signed in: %+v %v", d, err)
	}
	if d, err := decide(map[string]string{"max_age": "60"}, &SignedIn{Session: sess}); err != nil || d.Next != NextLogin {
		t.Errorf("max_age exceeded: %+v %v", d, err)
	}
	if _, err := decide(map[string]string{"max_age": "60", "prompt": "none"}, &SignedIn{Session: sess}); AsError(err).Code != CodeLoginRequired {
		t.Errorf("max_age exceeded, prompt=none: %v", err)
	}
	d, err := decide(map[string]string{"scope": "openid orders:read orders:write"}, &SignedIn{Session: sess})
	if err != nil || d.Next != NextRedirect || strings.Join(d.Scopes, " ") != "openid orders:read" {
		t.Fatalf("first party: %+v %v", d, err)
	}
	u, _ := url.Parse(d.Location)
	if q := u.Query(); q.Get("iss") != e.keys.Issuer(sessionTenant) || q.Get("state") != "xyz" || !strings.HasPrefix(q.Get("code"), codePrefix) {
		t.Errorf("code response %v", q)
	}
	// A third party needs consent, prompt=none cannot give it.
	third := map[string]string{"client_id": thirdParty, "redirect_uri": ""}
	if d, err := decide(third, &SignedIn{Session: sess}); err != nil || d.Next != NextConsent {
		t.Errorf("third party: %+v %v", d, err)
	}
	third["prompt"] = "none"
	if _, err := decide(third, &SignedIn{Session: sess}); AsError(err).Code != CodeConsentRequired {
		t.Errorf("third party, prompt=none: %v", err)
	}
	// A disabled user's session no longer counts.
	if _, err := e.st.UpdateUser(ctx, sessionTenant, sessionUser, func(u *domain.User) error { u.Disabled = true; return nil }); err != nil {
		t.Fatal(err)
	}
	if d, err := decide(nil, &SignedIn{Session: sess}); err != nil || d.Next != NextLogin {
		t.Errorf("disabled user: %+v %v", d, err)
	}
}

// registered reports whether uri is a fixture client's redirect URI, the
// loopback one on any port (RFC 8252 §7.3).
func registered(uri string) bool {
	return uri == codeRedirect || uri == otherRedirect || loopbackMatch(otherRedirect, uri)
}

// FuzzParseAuthorize: whatever the query, ParseAuthorize never panics, a
// redirect goes only to a registered URI, and an accepted request has a
// registered URI and an S256 challenge.
func FuzzParseAuthorize(f *testing.F) {
	e := newTestEnv(f)
	withCodeClients(f, e)
	f.Add(authorizeQuery(nil).Encode())
	f.Add(authorizeQuery(map[string]string{"redirect_uri": "https://evil.example/cb"}).Encode())
	f.Add("client_id=" + codeClient + "&redirect_uri=" + url.QueryEscape(codeRedirect) + "&response_type=token&state=%00")
	f.Add("client_id=code-client&client_id=x")
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		r, err := e.srv.ParseAuthorize(context.Background(), sessionTenant, q)
		var re *RedirectError
		switch {
		case errors.As(err, &re):
			if !registered(re.redirectURI) || !strings.HasPrefix(re.Location(), re.redirectURI+"?") {
				t.Fatalf("redirect to %q", re.Location())
			}
		case err == nil:
			if !registered(r.RedirectURI) || len(r.Challenge) != 43 {
				t.Fatalf("accepted %+v", r)
			}
		}
	})
}
