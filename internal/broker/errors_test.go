package broker_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/broker"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
)

// fakeSecret is what a hostile or careless upstream echoes in its error
// body: it must reach neither the caller nor the log.
const fakeSecret = "client-s3cret-ECHOED"

// TestBadUpstreamAnswers: each bad answer is a clear error with our own
// code, never the upstream's body, and nothing of it is cached: the next
// call asks the upstream again.
func TestBadUpstreamAnswers(t *testing.T) {
	jsonAnswer := func(status int, body string) func(http.ResponseWriter, *http.Request) {
		return func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(status)
			_, _ = w.Write([]byte(body))
		}
	}
	tests := []struct {
		name               string
		answer             func(http.ResponseWriter, *http.Request)
		status             int
		code, upstreamCode string
	}{
		{"HTML", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/html")
			_, _ = w.Write([]byte("<html>sign in " + fakeSecret + "</html>"))
		}, http.StatusBadGateway, "invalid_upstream_response", ""},
		{"200 without access_token", jsonAnswer(200, `{"token_type":"Bearer","expires_in":"3599"}`),
			http.StatusBadGateway, "invalid_upstream_response", ""},
		{"200 without expiry", jsonAnswer(200, `{"access_token":"x"}`), http.StatusBadGateway, "invalid_upstream_response", ""},
		{"400 with an OAuth error and a secret", jsonAnswer(400, `{"error":"invalid_client","error_description":"AADSTS7000215: Invalid client secret `+fakeSecret+`"}`),
			http.StatusBadGateway, "upstream_error", "invalid_client"},
		{"401 with an error that is not a code", jsonAnswer(401, `{"error":"`+fakeSecret+` <b>"}`),
			http.StatusBadGateway, "upstream_error", ""},
		{"500 HTML", func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, fakeSecret, http.StatusInternalServerError)
		},
			http.StatusBadGateway, "invalid_upstream_response", ""},
		{"timeout", func(w http.ResponseWriter, r *http.Request) {
			select {
			case <-r.Context().Done():
			case <-time.After(5 * time.Second):
			}
		}, http.StatusGatewayTimeout, "upstream_timeout", ""},
	}
	forEachStore(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		u := newUpstream(t)
		e.provider("powerbi", u, nil)
		b := e.broker(st, 300*time.Millisecond)
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				u.set(tc.answer)
				before := u.calls.Load()
				for range 2 {
					_, err := b.Token(t.Context(), "acme", "powerbi")
					var be *broker.Error
					if !errors.As(err, &be) {
						t.Fatalf("error %v, want a *broker.Error", err)
					}
					if be.Status != tc.status || be.Code != tc.code || be.Upstream != tc.upstreamCode {
						t.Errorf("got %d %s (%s), want %d %s (%s)", be.Status, be.Code, be.Upstream, tc.status, tc.code, tc.upstreamCode)
					}
					if strings.Contains(err.Error(), fakeSecret) || strings.Contains(err.Error(), "client-s3cret") {
						t.Errorf("the error carries a secret: %v", err)
					}
				}
				if n := u.calls.Load() - before; n != 2 {
					t.Errorf("%d upstream calls for 2 hand-outs, want 2: an error was cached", n)
				}
			})
		}
		if strings.Contains(e.logs.String(), fakeSecret) {
			t.Errorf("the log carries the upstream's secret:\n%s", e.logs)
		}
		if _, err := st.GetBrokerToken(t.Context(), "acme", "powerbi"); !errors.Is(err, domain.ErrNotFound) {
			t.Errorf("after errors only, the stored token: %v, want none", err)
		}
	})
}

// TestPasswordGrant: the password grant sends the user's credentials and
// scope, and expires_on alone (a number) is enough.
func TestPasswordGrant(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		u := newUpstream(t)
		pw, err := e.sealer.Seal([]byte("user-pw"), domain.BrokerSealAD("acme", "pbi", domain.BrokerSealPassword))
		must(t, err)
		e.provider("pbi", u, func(p *domain.BrokerProvider) {
			p.GrantType, p.Username, p.SealedPassword = domain.BrokerGrantPassword, "svc@contoso.com", pw
			p.Resource, p.Scopes = "", []string{"openid", "https://graph.microsoft.com/.default"}
		})
		expires := time.Now().Add(time.Hour).Unix()
		u.set(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"access_token":"pw-tok","expires_on":` + itoa(expires) + `}`))
		})
		tok, err := e.broker(st, 0).Token(t.Context(), "acme", "pbi")
		must(t, err)
		if tok.AccessToken != "pw-tok" || tok.ExpiresOn.Unix() != expires {
			t.Errorf("token %+v", tok)
		}
		f := u.forms[0]
		for k, want := range map[string]string{"grant_type": "password", "username": "svc@contoso.com", "password": "user-pw",
			"scope": "openid https://graph.microsoft.com/.default"} {
			if f.Get(k) != want {
				t.Errorf("upstream got %s=%q, want %q", k, f.Get(k), want)
			}
		}
		if f.Has("resource") {
			t.Errorf("resource sent without one set")
		}
	})
}

// TestUnknownProvider: a provider the tenant lacks, or a tenant without
// a default, is ErrUnknownProvider.
func TestUnknownProvider(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		b := e.broker(st, 0)
		for _, id := range []string{"nope", ""} {
			if _, err := b.Token(t.Context(), "acme", id); !errors.Is(err, broker.ErrUnknownProvider) {
				t.Errorf("provider %q: %v, want ErrUnknownProvider", id, err)
			}
		}
	})
}
