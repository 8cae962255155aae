package authn_test

import (
	"bytes"
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/apitoken"
	"github.com/tollgate-dev/tollgate/internal/authn"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/store"
	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore/sqltest"
	"github.com/tollgate-dev/tollgate/internal/token"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// forEachStore runs f on SQLite, and on PostgreSQL when enabled.
var forEachStore = sqltest.ForEach

const bootstrap = "test-bootstrap-token"

// world is a store with tenants acme and other, user john of acme with
// role reader (orders:read), and a credential of every kind.
type world struct {
	st      store.Store
	keys    *token.Keyring
	revoked *token.Revocations
	apiTok  *apitoken.Verifier

	apiToken, gatewayCred, access, revokedAccess string
	accessClaims                                 token.Claims
}

func newWorld(t testing.TB, st store.Store) *world {
	t.Helper()
	ctx := t.Context()
	now := time.Now().UTC().Truncate(time.Second)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{domain.DefaultTenant, "acme", "other"} {
		must(st.CreateTenant(ctx, &domain.Tenant{ID: id, Name: id, CreatedAt: now}))
	}
	must(st.CreateScope(ctx, "acme", &domain.Scope{Tenant: "acme", ID: "orders:read"}))
	must(st.CreateRole(ctx, "acme", &domain.Role{Tenant: "acme", ID: "reader", Scopes: []string{"orders:read"}}))
	must(st.CreateUser(ctx, "acme", &domain.User{Tenant: "acme", ID: "john", Roles: []string{"reader"}, Source: "local",
		CreatedAt: now, UpdatedAt: now}))
	must(authn.SetBootstrapToken(ctx, st, bootstrap))
	sealer, err := secret.NewSealer(bytes.Repeat([]byte{7}, 32))
	must(err)
	w := &world{st: st, revoked: token.NewRevocations(st, nil)}
	w.keys, err = token.NewKeyring(st, sealer, "https://tollgate.test", "")
	must(err)
	w.apiTok = apitoken.NewVerifier(st, w.revoked, apitoken.Config{})

	w.apiToken, err = token.NewOpaque(token.PrefixAPI)
	must(err)
	must(st.CreateAPIToken(ctx, "acme", &domain.APIToken{Tenant: "acme", UserID: "john", ID: "ci",
		Hash: secret.HashToken(w.apiToken), Scopes: []string{"orders:read"}, CreatedAt: now}))
	w.gatewayCred, err = token.NewOpaque(token.PrefixGateway)
	must(err)
	must(st.CreateGatewayCredential(ctx, &domain.GatewayCredential{ID: "edge", Hash: secret.HashToken(w.gatewayCred), CreatedAt: now}))

	w.accessClaims = token.Claims{Subject: "john", ClientID: "app", Scope: "orders:read", FamilyID: "fam", Audience: []string{"https://api"}}
	w.access, err = w.keys.Issue(ctx, "acme", &w.accessClaims)
	must(err)
	gone := token.Claims{Subject: "john", ClientID: "app"}
	w.revokedAccess, err = w.keys.Issue(ctx, "acme", &gone)
	must(err)
	must(w.revoked.Revoke(ctx, &domain.Revocation{Tenant: "acme", Kind: domain.RevokeTokenID, Value: gone.ID, ExpiresAt: gone.ExpiresAt}))
	return w
}

// every accepts every kind of credential, in the admin API's order.
func (w *world) every() *authn.Authenticator {
	return authn.New(authn.NewBootstrap(w.st), authn.NewGatewayCredentials(w.st, w.revoked),
		authn.NewAPITokens(w.apiTok), authn.NewAccessTokens(w.keys.KeySource, w.revoked, w.st))
}

func TestVerify(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.Store) {
		w := newWorld(t, st)
		a := w.every()
		badChecksum := token.Tampered(w.gatewayCred)
		unknownGateway, _ := token.NewOpaque(token.PrefixGateway)
		unknownAPI, _ := token.NewOpaque(token.PrefixAPI)
		for _, c := range []struct {
			name, tenant, raw string
			want              *authn.Principal // nil: ErrInvalid
		}{
			{"bootstrap token", "acme", bootstrap, &authn.Principal{Kind: authn.KindBootstrap}},
			{"gateway credential", "acme", w.gatewayCred,
				&authn.Principal{Kind: authn.KindGatewayCredential, Subject: "edge", CredentialID: "edge"}},
			{"gateway credential with a bad checksum", "acme", badChecksum, nil},
			{"unknown gateway credential", "acme", unknownGateway, nil},
			{"api token", "acme", w.apiToken, &authn.Principal{Kind: authn.KindAPIToken, Tenant: "acme", Subject: "john",
				Scopes: []string{"orders:read"}, CredentialID: "ci"}},
			{"api token in another tenant", "other", w.apiToken, nil},
			{"unknown api token", "acme", unknownAPI, nil},
			{"access token", "acme", w.access, &authn.Principal{Kind: authn.KindAccessToken, Tenant: "acme", Subject: "john",
				Client: "app", Scopes: []string{"orders:read"}, SessionID: "fam", CredentialID: w.accessClaims.ID,
				Audience: []string{"https://api"}, Issuer: "https://tollgate.test/acme"}},
			{"access token in another tenant", "other", w.access, nil},
			{"access token in an unknown tenant", "nobody", w.access, nil},
			{"revoked access token", "acme", w.revokedAccess, nil},
			{"garbage", "acme", "not a token", nil},
		} {
			t.Run(c.name, func(t *testing.T) {
				p, err := a.Verify(t.Context(), c.tenant, c.raw)
				if c.want == nil {
					if !errors.Is(err, authn.ErrInvalid) {
						t.Fatalf("Verify = %+v, %v; want ErrInvalid", p, err)
					}
					return
				}
				if err != nil {
					t.Fatal(err)
				}
				checkPrincipal(t, p, c.want)
			})
		}
	})
}

// checkPrincipal compares p with want, times only for being set.
func checkPrincipal(t *testing.T, p, want *authn.Principal) {
	t.Helper()
	if p.Kind != want.Kind || p.Tenant != want.Tenant || p.Subject != want.Subject || p.Client != want.Client ||
		!slices.Equal(p.Scopes, want.Scopes) || p.SessionID != want.SessionID || p.CredentialID != want.CredentialID ||
		!slices.Equal(p.Audience, want.Audience) || p.Issuer != want.Issuer {
		t.Fatalf("principal\n got %+v\nwant %+v", p, want)
	}
	if stamped := p.Kind == authn.KindAccessToken || p.Kind == authn.KindAPIToken; stamped && p.AuthTime.IsZero() {
		t.Fatalf("%s principal without an authentication time", p.Kind)
	}
	if p.Kind == authn.KindAccessToken && p.ExpiresAt.IsZero() {
		t.Fatal("access token principal without an expiry")
	}
}

func TestVerifyKind(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.Store) {
		w := newWorld(t, st)
		a := w.every()
		for _, c := range []struct {
			name  string
			raw   string
			valid bool
		}{
			{"api token", w.apiToken, true},
			{"access token", w.access, false},
			{"bootstrap token", bootstrap, false},
			{"gateway credential", w.gatewayCred, false},
		} {
			t.Run(c.name, func(t *testing.T) {
				p, err := a.VerifyKind(t.Context(), authn.KindAPIToken, "acme", c.raw)
				if c.valid && (err != nil || p.Kind != authn.KindAPIToken) {
					t.Fatalf("VerifyKind = %+v, %v; want the API token", p, err)
				}
				if !c.valid && !errors.Is(err, authn.ErrInvalid) {
					t.Fatalf("VerifyKind = %+v, %v; want ErrInvalid", p, err)
				}
			})
		}
	})
}

// A credential checked while the database is down is an error, never
// ErrInvalid: the caller answers 503, not 401.
func TestDatabaseDownIsNotInvalid(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.Store) {
		w := newWorld(t, st)
		unknownGateway, _ := token.NewOpaque(token.PrefixGateway)
		unknownAPI, _ := token.NewOpaque(token.PrefixAPI)
		// Fresh methods: nothing cached, so every check reads the store.
		withoutBootstrap := func() *authn.Authenticator {
			return authn.New(authn.NewGatewayCredentials(w.st, w.revoked),
				authn.NewAPITokens(apitoken.NewVerifier(w.st, w.revoked, apitoken.Config{})),
				authn.NewAccessTokens(w.keys.KeySource, w.revoked, w.st))
		}
		cases := []struct {
			name string
			a    *authn.Authenticator
			raw  string
		}{
			{"bootstrap setting unreadable", w.every(), bootstrap},
			{"gateway credential", withoutBootstrap(), unknownGateway},
			{"api token", withoutBootstrap(), unknownAPI},
			{"access token of a tenant that cannot be looked up", withoutBootstrap(), w.access},
		}
		if err := st.Close(); err != nil {
			t.Fatal(err)
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				p, err := c.a.Verify(context.Background(), "acme", c.raw)
				if err == nil || errors.Is(err, authn.ErrInvalid) {
					t.Fatalf("Verify = %+v, %v; want a store error", p, err)
				}
			})
		}
	})
}
