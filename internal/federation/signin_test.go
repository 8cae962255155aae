package federation_test

import (
	"context"
	"errors"
	"net/url"
	"slices"
	"strings"
	"testing"

	"github.com/oauth2-proxy/mockoidc"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/federation"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
)

func TestSignIn(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		ctx := t.Context()
		m := newMock(t)
		e.addProvider(t, "acme", "mock", m)
		alice := &mockoidc.MockUser{Subject: "sub-alice", PreferredUsername: "Alice", Email: "alice@example.com",
			EmailVerified: true}

		t.Run("the authorization request", func(t *testing.T) {
			authURL, cookie, err := e.fed.Begin(ctx, "acme", "mock", "/authorize?x=1")
			must(t, err)
			u, err := url.Parse(authURL)
			must(t, err)
			q := u.Query()
			for k, want := range map[string]string{"response_type": "code", "client_id": m.ClientID,
				"code_challenge_method": "S256", "redirect_uri": "https://tollgate.test/acme/login/callback/mock",
				"scope": "openid email profile"} {
				if q.Get(k) != want {
					t.Errorf("%s = %q, want %q", k, q.Get(k), want)
				}
			}
			for _, k := range []string{"state", "nonce", "code_challenge"} {
				if len(q.Get(k)) < 43 {
					t.Errorf("%s = %q: not 256 random bits", k, q.Get(k))
				}
			}
			if !cookie.HttpOnly || cookie.Path != "/" || cookie.MaxAge != 600 || len(cookie.Value) > 3500 {
				t.Errorf("state cookie %+v", cookie)
			}
			if strings.Contains(cookie.Value, q.Get("state")) {
				t.Error("the state cookie shows the state: it must be sealed")
			}
		})

		t.Run("first sign-in creates the user", func(t *testing.T) {
			m.QueueUser(alice)
			res, err := e.signIn(t, "acme", "mock")
			must(t, err)
			u := res.User
			if !res.Created || res.Linked || res.Provider != "mock" || res.Subject != "sub-alice" ||
				res.ReturnTo != "/authorize?client_id=app" {
				t.Errorf("result %+v", res)
			}
			if u.ID != "alice" || u.Source != "oidc:mock" || u.PasswordHash != "" || u.Email != "alice@example.com" ||
				!slices.Equal(u.Roles, []string{"reader"}) {
				t.Errorf("created user %+v", u)
			}
			stored, err := st.GetUser(ctx, "acme", "alice")
			must(t, err)
			if stored.Source != "oidc:mock" || !slices.Equal(stored.Roles, []string{"reader"}) {
				t.Errorf("stored user %+v", stored)
			}
		})

		t.Run("second sign-in finds the same user", func(t *testing.T) {
			renamed := *alice
			renamed.PreferredUsername = "alice2" // the subject decides, not the name
			m.QueueUser(&renamed)
			res, err := e.signIn(t, "acme", "mock")
			must(t, err)
			if res.User.ID != "alice" || res.Created || res.Linked {
				t.Errorf("result %+v, user %+v", res, res.User)
			}
		})

		t.Run("a user the provider owns is linked", func(t *testing.T) {
			must(t, st.CreateUser(ctx, "acme", &domain.User{ID: "bob", Source: "oidc:mock"}))
			m.QueueUser(&mockoidc.MockUser{Subject: "sub-bob", PreferredUsername: "BOB"})
			res, err := e.signIn(t, "acme", "mock")
			must(t, err)
			if res.User.ID != "bob" || !res.Linked || res.Created {
				t.Errorf("result %+v, user %+v", res, res.User)
			}
			u, err := st.FederatedUser(ctx, "acme", "mock", "sub-bob")
			must(t, err)
			if u.ID != "bob" {
				t.Errorf("linked to %q", u.ID)
			}
		})

		for _, c := range []struct{ name, source string }{
			{"a local user is never taken over", domain.SourceLocal},
			{"another provider's user is never taken over", "oidc:elsewhere"},
			{"an imported user is never taken over", domain.SourceCSV},
		} {
			t.Run(c.name, func(t *testing.T) {
				id := strings.ReplaceAll(c.source, ":", "-") + "-carol"
				must(t, st.CreateUser(ctx, "acme", &domain.User{ID: id, Source: c.source, PasswordHash: "$argon2id$x",
					Email: "carol@example.com"}))
				m.QueueUser(&mockoidc.MockUser{Subject: "sub-" + id, PreferredUsername: id, Email: "carol@example.com",
					EmailVerified: true})
				_, err := e.signIn(t, "acme", "mock")
				if msg := publicError(t, err); !strings.Contains(msg, "an account with this name exists; ask an admin") {
					t.Errorf("public message %q", msg)
				}
				if _, err := st.FederatedUser(ctx, "acme", "mock", "sub-"+id); !errors.Is(err, domain.ErrNotFound) {
					t.Errorf("the identity was linked: %v", err)
				}
			})
		}

		t.Run("a disabled user is refused", func(t *testing.T) {
			_, err := st.UpdateUser(ctx, "acme", "alice", func(u *domain.User) error { u.Disabled = true; return nil })
			must(t, err)
			m.QueueUser(alice)
			_, err = e.signIn(t, "acme", "mock")
			if msg := publicError(t, err); !strings.Contains(msg, "disabled") {
				t.Errorf("public message %q", msg)
			}
		})

		t.Run("without createUsers an unknown user is refused", func(t *testing.T) {
			_, err := st.UpdateIdentityProvider(ctx, "acme", "mock", func(p *domain.IdentityProvider) error {
				p.CreateUsers = false
				return nil
			})
			must(t, err)
			m.QueueUser(&mockoidc.MockUser{Subject: "sub-dave", PreferredUsername: "dave"})
			_, err = e.signIn(t, "acme", "mock")
			if msg := publicError(t, err); msg != "Sign-in through Mock mock failed: you have no account here; ask an admin" {
				t.Errorf("public message %q", msg)
			}
			if _, err := st.GetUser(ctx, "acme", "dave"); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("dave was created: %v", err)
			}
		})
	})
}

func TestUsernameClaim(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		m := newMock(t)
		byEmail := func(p *domain.IdentityProvider) { p.UsernameClaim = "email" }
		e.addProvider(t, "acme", "email", m, byEmail)
		e.addProvider(t, "acme", "sub", m, func(p *domain.IdentityProvider) { p.UsernameClaim = "sub" })
		e.addProvider(t, "acme", "nickname", m, func(p *domain.IdentityProvider) { p.UsernameClaim = "nickname" })

		m.QueueUser(&mockoidc.MockUser{Subject: "s1", Email: "Erin@Example.com", EmailVerified: true})
		res, err := e.signIn(t, "acme", "email")
		must(t, err)
		if res.User.ID != "erin@example.com" {
			t.Errorf("user %q, want the normalised email", res.User.ID)
		}

		// mockoidc leaves a false email_verified out; this one says it.
		unverified := newMock(t, rewriteIDToken(t, false, func(c map[string]any) { c["email_verified"] = false }))
		e.addProvider(t, "acme", "unverified", unverified, byEmail)
		unverified.QueueUser(&mockoidc.MockUser{Subject: "s2", Email: "frank@example.com"})
		_, err = e.signIn(t, "acme", "unverified")
		if msg := publicError(t, err); !strings.Contains(msg, "did not say who you are") {
			t.Errorf("unverified email: %q", msg)
		}

		m.QueueUser(&mockoidc.MockUser{Subject: "Subject-3"})
		res, err = e.signIn(t, "acme", "sub")
		must(t, err)
		if res.User.ID != "subject-3" || res.User.Email != "" {
			t.Errorf("user %+v", res.User)
		}

		m.QueueUser(&mockoidc.MockUser{Subject: "s4"})
		_, err = e.signIn(t, "acme", "nickname")
		if msg := publicError(t, err); !strings.Contains(msg, "did not say who you are") {
			t.Errorf("missing claim: %q", msg)
		}

		m.QueueUser(&mockoidc.MockUser{Subject: "s5 with spaces"})
		_, err = e.signIn(t, "acme", "sub")
		if msg := publicError(t, err); !strings.Contains(msg, "cannot be used here") {
			t.Errorf("a name that cannot be a user name: %q", msg)
		}
	})
}

// racingStore makes every first sign-in lose a race: just before the
// user is created, the same identity is created by "another node".
type racingStore struct {
	*sqlstore.Store
	raced int
}

func (s *racingStore) CreateFederatedUser(ctx context.Context, tenant string, u *domain.User, f *domain.FederatedIdentity) error {
	s.raced++
	first, link := *u, *f
	if err := s.Store.CreateFederatedUser(ctx, tenant, &first, &link); err != nil {
		return err
	}
	return s.Store.CreateFederatedUser(ctx, tenant, u, f)
}

func TestConcurrentFirstSignIn(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		m := newMock(t)
		e.addProvider(t, "acme", "mock", m)
		racing := &racingStore{Store: st}
		e.fed = federation.New(federation.Config{Store: racing, Sealer: e.sealer, Logger: quiet,
			CallbackURL: func(tenant, provider string) string {
				return "https://tollgate.test/" + tenant + "/login/callback/" + provider
			}})
		m.QueueUser(&mockoidc.MockUser{Subject: "sub-gina", PreferredUsername: "gina"})
		res, err := e.signIn(t, "acme", "mock")
		must(t, err)
		if racing.raced != 1 || res.User.ID != "gina" || res.Created || res.Linked {
			t.Errorf("after %d races: result %+v", racing.raced, res)
		}
	})
}

func TestProviders(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		m := newMock(t)
		e.addProvider(t, "acme", "a", m)
		e.addProvider(t, "acme", "b", m, func(p *domain.IdentityProvider) { p.Enabled = false })
		e.addProvider(t, "acme", "c", m)
		e.addProvider(t, "other", "d", m)
		ps, err := e.fed.Providers(t.Context(), "acme")
		must(t, err)
		var ids []string
		for _, p := range ps {
			ids = append(ids, p.ID)
		}
		if !slices.Equal(ids, []string{"a", "c"}) {
			t.Errorf("providers %v, want [a c]", ids)
		}
		for _, id := range []string{"b", "d", "nope"} {
			_, _, err := e.fed.Begin(t.Context(), "acme", id, "")
			if !errors.Is(err, federation.ErrUnknownProvider) {
				t.Errorf("Begin through %q: %v, want ErrUnknownProvider", id, err)
			}
			publicError(t, err)
		}
	})
}
