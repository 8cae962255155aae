package authn_test

import (
	"errors"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/authn"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/store"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
	"github.com/tollgate-dev/tollgate/internal/throttle"
)

var (
	weakParams = secret.Params{Memory: 64, Time: 1, Threads: 1}
	testParams = secret.Params{Memory: 128, Time: 1, Threads: 1}
)

// signInUsers adds to acme: ann (password "right", hashed with weaker
// parameters than the server's), bob (disabled), sso (no local password).
func signInUsers(t *testing.T, st store.Store) {
	t.Helper()
	ctx := t.Context()
	h, err := secret.NewHasher(weakParams, 1, time.Second).Hash(ctx, "right")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	for _, u := range []*domain.User{
		{ID: "ann", PasswordHash: h, Roles: []string{"reader"}, Source: "local"},
		{ID: "bob", PasswordHash: h, Disabled: true, Source: "local"},
		{ID: "sso", Source: "oidc:corp"},
	} {
		u.Tenant, u.CreatedAt, u.UpdatedAt = "acme", now, now
		if err := st.CreateUser(ctx, "acme", u); err != nil {
			t.Fatal(err)
		}
	}
}

// signIn sets up the world and signInUsers and returns a Passwords over
// them with limits, and its hasher.
func signIn(t *testing.T, st store.Store, limits throttle.Limits) (*authn.Passwords, *secret.Hasher) {
	t.Helper()
	newWorld(t, st)
	signInUsers(t, st)
	h := secret.NewHasher(testParams, 2, time.Second)
	return authn.NewPasswords(st, h, throttle.New(st, limits), nil), h
}

func TestPasswordCheck(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.Store) {
		p, _ := signIn(t, st, throttle.DefaultLimits())
		for _, c := range []struct {
			name, username, password string
			want                     error // nil: signed in as ann
		}{
			{"right password", "ann", "right", nil},
			{"name in another case and width", "ＡNN", "right", nil},
			{"wrong password", "ann", "wrong", authn.ErrBadCredentials},
			{"unknown user", "nobody", "right", authn.ErrBadCredentials},
			{"disabled user", "bob", "right", authn.ErrBadCredentials},
			{"user without a local password", "sso", "right", authn.ErrNoPassword},
			{"name that cannot exist", "ann\u200b", "right", authn.ErrBadCredentials},
		} {
			t.Run(c.name, func(t *testing.T) {
				u, scopes, err := p.Check(t.Context(), "acme", c.username, c.password, "192.0.2.1")
				if c.want != nil {
					if !errors.Is(err, c.want) {
						t.Fatalf("Check = %v, %v; want %v", u, err, c.want)
					}
					return
				}
				if err != nil || u.ID != "ann" || len(scopes) != 1 || scopes[0] != "orders:read" {
					t.Fatalf("Check = %+v, %v, %v; want ann with orders:read", u, scopes, err)
				}
			})
		}
	})
}

// A right password under an old hash upgrades the stored hash.
func TestPasswordCheckRehashes(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.Store) {
		p, hasher := signIn(t, st, throttle.DefaultLimits())
		ctx := t.Context()
		before, _, err := st.GetUserWithScopes(ctx, "acme", "ann")
		if err != nil {
			t.Fatal(err)
		}
		if _, _, err := p.Check(ctx, "acme", "ann", "right", "192.0.2.1"); err != nil {
			t.Fatal(err)
		}
		after, _, err := st.GetUserWithScopes(ctx, "acme", "ann")
		if err != nil {
			t.Fatal(err)
		}
		if after.PasswordHash == before.PasswordHash {
			t.Fatal("the weak hash was kept")
		}
		if ok, rehash, err := hasher.Verify(ctx, "right", after.PasswordHash); !ok || rehash || err != nil {
			t.Fatalf("new hash: ok=%v rehash=%v err=%v", ok, rehash, err)
		}
	})
}

// Failures count before the user is looked up: an unknown user is
// throttled exactly like a known one, and so is the right password.
func TestPasswordCheckThrottles(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.Store) {
		limits := throttle.DefaultLimits()
		limits.PerUserAddr = 2
		p, _ := signIn(t, st, limits)
		for _, user := range []string{"ann", "nobody"} {
			t.Run(user, func(t *testing.T) {
				for range limits.PerUserAddr {
					if _, _, err := p.Check(t.Context(), "acme", user, "wrong", "192.0.2.9"); !errors.Is(err, authn.ErrBadCredentials) {
						t.Fatalf("failure: %v", err)
					}
				}
				_, _, err := p.Check(t.Context(), "acme", user, "right", "192.0.2.9")
				if le := (*throttle.LimitedError)(nil); !errors.As(err, &le) || le.RetryAfter <= 0 {
					t.Fatalf("after %d failures: %v; want a LimitedError", limits.PerUserAddr, err)
				}
			})
		}
	})
}
