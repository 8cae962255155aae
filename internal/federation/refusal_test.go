package federation_test

import (
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/gateway/upstream"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
)

// What the sign-in page may show for each refusal.
const (
	stateMsg      = "the sign-in expired or was started in another browser; please start again"
	deniedMsg     = "the provider did not sign you in"
	unverifiedMsg = "the response could not be verified"
)

// setQuery changes the callback's query.
func setQuery(f *flow, edit func(q url.Values)) {
	q := f.callback.URL.Query()
	edit(q)
	f.callback = httptest.NewRequest(http.MethodGet, "https://tollgate.test/?"+q.Encode(), nil)
}

// borrow finishes f with the cookie (and the matching callback) of a
// sign-in through another tenant or provider: the cookie opens only for
// its own.
func borrow(t *testing.T, e *env, f *flow, tenant, provider string) {
	g := e.begin(t, tenant, provider)
	f.cookie = &http.Cookie{Name: f.name, Value: g.cookie.Value}
	f.callback = g.callback
}

func TestRefusals(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		m := newMock(t)
		mocks := map[string]*mock{"mock": m, "mock2": m}
		e.addProvider(t, "acme", "mock", m)
		e.addProvider(t, "acme", "mock2", m)
		e.addProvider(t, "other", "mock", m)
		// Providers whose ID tokens are changed on the way.
		for id, edit := range map[string]func(map[string]any){
			"nonce":     func(c map[string]any) { c["nonce"] = "another sign-in's nonce" },
			"audience":  func(c map[string]any) { c["aud"] = "someone-else" },
			"audiences": func(c map[string]any) { c["aud"] = append(c["aud"].([]any), "someone-else") },
			"issuer":    func(c map[string]any) { c["iss"] = "https://evil.example" },
			"expired":   func(c map[string]any) { c["exp"] = time.Now().Add(-time.Hour).Unix() },
			"unsigned":  nil, // signed by a key the provider never published
			"resigned":  func(map[string]any) {},
		} {
			mocks[id] = newMock(t, rewriteIDToken(t, edit == nil, func(c map[string]any) {
				if edit != nil {
					edit(c)
				}
			}))
			e.addProvider(t, "acme", id, mocks[id])
		}
		// The control: a token signed again unchanged is accepted, so the
		// refusals below are for what was changed.
		if _, err := e.signIn(t, "acme", "resigned"); err != nil {
			t.Fatalf("unchanged token: %v", err)
		}

		for i, c := range []struct {
			name     string
			provider string // "": mock
			tamper   func(t *testing.T, f *flow)
			want     string
		}{
			{name: "tampered state", want: stateMsg, tamper: func(t *testing.T, f *flow) {
				setQuery(f, func(q url.Values) { q.Set("state", strings.Repeat("A", 43)) })
			}},
			{name: "no state", want: stateMsg, tamper: func(t *testing.T, f *flow) {
				setQuery(f, func(q url.Values) { q.Del("state") })
			}},
			{name: "no state cookie", want: stateMsg, tamper: func(t *testing.T, f *flow) { f.cookie = nil }},
			{name: "tampered cookie", want: stateMsg, tamper: func(t *testing.T, f *flow) {
				v := []byte(f.cookie.Value)
				v[len(v)/2] ^= 1
				f.cookie.Value = string(v)
			}},
			{name: "truncated cookie", want: stateMsg, tamper: func(t *testing.T, f *flow) {
				f.cookie.Value = f.cookie.Value[:len(f.cookie.Value)-4]
			}},
			{name: "oversized cookie", want: stateMsg, tamper: func(t *testing.T, f *flow) {
				f.cookie.Value = strings.Repeat("A", 5000)
			}},
			{name: "cookie of another provider", want: stateMsg, tamper: func(t *testing.T, f *flow) {
				borrow(t, e, f, "acme", "mock2")
			}},
			{name: "cookie of another tenant", want: stateMsg, tamper: func(t *testing.T, f *flow) {
				borrow(t, e, f, "other", "mock")
			}},
			{name: "expired state cookie", want: stateMsg, tamper: func(t *testing.T, f *flow) {
				e.clock.Advance(10*time.Minute + time.Second)
			}},
			{name: "the provider refused", want: deniedMsg, tamper: func(t *testing.T, f *flow) {
				setQuery(f, func(q url.Values) { q.Del("code"); q.Set("error", "access_denied") })
			}},
			{name: "no code", want: deniedMsg, tamper: func(t *testing.T, f *flow) {
				setQuery(f, func(q url.Values) { q.Del("code") })
			}},
			{name: "unknown code", want: deniedMsg, tamper: func(t *testing.T, f *flow) {
				setQuery(f, func(q url.Values) { q.Set("code", "forged") })
			}},
			{name: "issuer mix-up (RFC 9207)", want: unverifiedMsg, tamper: func(t *testing.T, f *flow) {
				setQuery(f, func(q url.Values) { q.Set("iss", "https://evil.example") })
			}},
			{name: "wrong nonce", provider: "nonce", want: unverifiedMsg},
			{name: "wrong audience", provider: "audience", want: unverifiedMsg},
			{name: "several audiences without azp", provider: "audiences", want: unverifiedMsg},
			{name: "wrong issuer in the ID token", provider: "issuer", want: unverifiedMsg},
			{name: "expired ID token", provider: "expired", want: unverifiedMsg},
			{name: "bad signature", provider: "unsigned", want: unverifiedMsg},
		} {
			t.Run(c.name, func(t *testing.T) {
				defer e.clock.offset.Store(0)
				provider := c.provider
				if provider == "" {
					provider = "mock"
				}
				name := fmt.Sprintf("refused-%d", i)
				mocks[provider].QueueUser(&mockoidc.MockUser{Subject: "sub-" + name, PreferredUsername: name})
				f := e.begin(t, "acme", provider)
				if c.tamper != nil {
					c.tamper(t, f)
				}
				res, err := e.finish(t, f)
				if err == nil {
					t.Fatalf("signed in: %+v", res)
				}
				msg := publicError(t, err)
				if want := "Sign-in through Mock " + provider + " failed: " + c.want; msg != want {
					t.Errorf("public message %q, want %q (cause: %v)", msg, want, err)
				}
				if strings.Contains(msg, m.ClientSecret) || strings.Contains(err.Error(), m.ClientSecret) {
					t.Error("the error shows the client secret")
				}
				if _, err := st.GetUser(t.Context(), "acme", name); !errors.Is(err, domain.ErrNotFound) {
					t.Errorf("the user was stored: %v", err)
				}
				if _, err := st.FederatedUser(t.Context(), "acme", provider, "sub-"+name); !errors.Is(err, domain.ErrNotFound) {
					t.Errorf("the identity was linked: %v", err)
				}
			})
		}
	})
}

// A callback replayed with its cookie (captured, or a browser that kept
// it) signs no one in again: the provider took the code once.
func TestReplay(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		m := newMock(t)
		e.addProvider(t, "acme", "mock", m)
		f := e.begin(t, "acme", "mock")
		_, err := e.finish(t, f)
		must(t, err)
		_, err = e.finish(t, f)
		if msg := publicError(t, err); !strings.HasSuffix(msg, deniedMsg) {
			t.Errorf("replay: %q", msg)
		}
	})
}

// A tenant admin's provider obeys the upstream rule: a loopback issuer is
// refused when dialed, and the provider is never asked anything.
func TestPolicy(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		m := newMock(t)
		e.addProvider(t, "acme", "admins", m, func(p *domain.IdentityProvider) { p.ByOperator = false })
		_, _, err := e.fed.Begin(t.Context(), "acme", "admins", "")
		if !upstream.IsRefusal(err) {
			t.Fatalf("Begin: %v, want a refusal of the upstream policy", err)
		}
		if msg := publicError(t, err); !strings.Contains(msg, "could not be reached") || strings.Contains(msg, "127.0.0.1") {
			t.Errorf("public message %q", msg)
		}
		if n := m.discoveries.Load(); n != 0 {
			t.Errorf("the provider was asked %d times", n)
		}
	})
}

// Discovery is fetched once per provider and again after a change to it.
func TestDiscoveryCache(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		ctx := t.Context()
		m := newMock(t)
		e.addProvider(t, "acme", "mock", m)
		begin := func(want int32) {
			t.Helper()
			_, _, err := e.fed.Begin(ctx, "acme", "mock", "")
			must(t, err)
			if n := m.discoveries.Load(); n != want {
				t.Errorf("%d discoveries, want %d", n, want)
			}
		}
		begin(1)
		begin(1)
		for _, c := range []struct {
			change domain.Change
			want   int32
		}{
			{domain.Change{Tenant: "acme", Entity: domain.EntityUser, ID: "mock"}, 1},
			{domain.Change{Tenant: "other", Entity: domain.EntityIdentityProvider, ID: "mock"}, 1},
			{domain.Change{Tenant: "acme", Entity: domain.EntityIdentityProvider, ID: "other"}, 1},
			{domain.Change{Tenant: "acme", Entity: domain.EntityIdentityProvider, ID: "mock"}, 2},
			{domain.Change{Tenant: "acme", Entity: domain.EntityIdentityProvider}, 3},
			{domain.Change{Tenant: "other", Entity: domain.EntityTenant, ID: "other"}, 3},
			{domain.Change{Tenant: "acme", Entity: domain.EntityTenant, ID: "acme"}, 4},
			{domain.ChangeAll, 5},
		} {
			must(t, e.fed.Changed(ctx, c.change))
			begin(c.want)
		}

		// A new issuer is discovered even before its change arrives.
		m2 := newMock(t)
		_, err := st.UpdateIdentityProvider(ctx, "acme", "mock", func(p *domain.IdentityProvider) error {
			p.Issuer, p.ClientID = m2.Issuer(), m2.ClientID
			return nil
		})
		must(t, err)
		authURL, _, err := e.fed.Begin(ctx, "acme", "mock", "")
		must(t, err)
		if !strings.HasPrefix(authURL, m2.AuthorizationEndpoint()) || m2.discoveries.Load() != 1 {
			t.Errorf("after the issuer changed: %s, %d discoveries", authURL, m2.discoveries.Load())
		}
	})
}
