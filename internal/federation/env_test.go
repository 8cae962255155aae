package federation_test

import (
	"bytes"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/federation"
	"github.com/tollgate-dev/tollgate/internal/gateway/upstream"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore/sqltest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// forEachStore runs f on SQLite, and on PostgreSQL when enabled.
var forEachStore = sqltest.ForEach

// clock is the Federation's time, which tests move forward.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// env is a store with tenants acme and other (role reader in both) and a
// Federation over it.
type env struct {
	st     *sqlstore.Store
	sealer *secret.Sealer
	clock  *clock
	fed    *federation.Federation
}

func newEnv(t *testing.T, st *sqlstore.Store) *env {
	t.Helper()
	ctx := t.Context()
	sealer, err := secret.NewSealer(bytes.Repeat([]byte{7}, secret.MasterKeySize))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"acme", "other"} {
		must(t, st.CreateTenant(ctx, &domain.Tenant{ID: id, Name: id}))
		must(t, st.CreateRole(ctx, id, &domain.Role{Tenant: id, ID: "reader"}))
	}
	e := &env{st: st, sealer: sealer, clock: &clock{}}
	e.fed = federation.New(federation.Config{
		Store:  st,
		Sealer: sealer,
		Policy: upstream.Strict(),
		CallbackURL: func(tenant, provider string) string {
			return "https://tollgate.test/" + tenant + "/login/callback/" + provider
		},
		Now: e.clock.Now,
	})
	return e
}

// quiet drops the log lines of the refusals the tests provoke.
var quiet = slog.New(slog.DiscardHandler)

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// mock is a mockoidc provider and what a test can see of it.
type mock struct {
	*mockoidc.MockOIDC
	discoveries atomic.Int32 // discovery documents served
}

// newMock starts a mockoidc provider on loopback; mw, if any, wraps its
// handlers (they must be added before it starts).
func newMock(t *testing.T, mw ...func(http.Handler) http.Handler) *mock {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	must(t, err)
	mk := &mock{MockOIDC: m}
	must(t, m.AddMiddleware(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == mockoidc.DiscoveryEndpoint {
				mk.discoveries.Add(1)
			}
			next.ServeHTTP(w, r)
		})
	}))
	for _, f := range mw {
		must(t, m.AddMiddleware(f))
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	must(t, err)
	must(t, m.Start(ln, nil))
	t.Cleanup(func() { m.Shutdown() })
	return mk
}

// addProvider stores provider id of tenant for m: the operator's, creating
// users with role reader, named by preferred_username; edit changes it.
func (e *env) addProvider(t *testing.T, tenant, id string, m *mock, edit ...func(*domain.IdentityProvider)) {
	t.Helper()
	sealed, err := e.sealer.Seal([]byte(m.ClientSecret), domain.IdentityProviderSecretAD(tenant, id))
	must(t, err)
	p := &domain.IdentityProvider{Tenant: tenant, ID: id, DisplayName: "Mock " + id, Issuer: m.Issuer(),
		ClientID: m.ClientID, SealedSecret: sealed, Scopes: []string{"openid", "email", "profile"},
		UsernameClaim: "preferred_username", CreateUsers: true, DefaultRoles: []string{"reader"},
		Enabled: true, ByOperator: true}
	for _, f := range edit {
		f(p)
	}
	must(t, e.st.CreateIdentityProvider(t.Context(), tenant, p))
}

// flow is a sign-in the browser has been through up to the callback.
type flow struct {
	tenant, provider string
	name             string // the state cookie's name
	cookie           *http.Cookie
	callback         *http.Request
}

// begin starts a sign-in and plays the browser at the provider:
// mockoidc signs the next queued user in and redirects back at once.
func (e *env) begin(t *testing.T, tenant, provider string) *flow {
	t.Helper()
	authURL, cookie, err := e.fed.Begin(t.Context(), tenant, provider, "/authorize?client_id=app")
	must(t, err)
	browser := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := browser.Get(authURL)
	must(t, err)
	resp.Body.Close()
	loc := resp.Header.Get("Location")
	if resp.StatusCode != http.StatusFound || !strings.HasPrefix(loc, "https://tollgate.test/"+tenant+"/login/callback/"+provider+"?") {
		t.Fatalf("the provider answered %s, Location %q", resp.Status, loc)
	}
	return &flow{tenant: tenant, provider: provider, name: cookie.Name, cookie: cookie,
		callback: httptest.NewRequest(http.MethodGet, loc, nil)}
}

// finish returns to Tollgate with the flow's callback and cookie.
func (e *env) finish(t *testing.T, f *flow) (*federation.Result, error) {
	t.Helper()
	r := f.callback.Clone(t.Context())
	if f.cookie != nil {
		r.AddCookie(f.cookie)
	}
	res, clear, err := e.fed.Finish(t.Context(), f.tenant, f.provider, r)
	if clear == nil || clear.Name != f.name || clear.MaxAge >= 0 {
		t.Errorf("Finish's cookie %+v does not clear the state cookie %q", clear, f.name)
	}
	return res, err
}

// signIn is a whole sign-in of the next queued user.
func (e *env) signIn(t *testing.T, tenant, provider string) (*federation.Result, error) {
	t.Helper()
	return e.finish(t, e.begin(t, tenant, provider))
}

// publicError returns err's public message, failing unless err is a
// *federation.Error.
func publicError(t *testing.T, err error) string {
	t.Helper()
	var fe *federation.Error
	if !errors.As(err, &fe) {
		t.Fatalf("error %v (%T) is not a *federation.Error", err, err)
	}
	return fe.Public
}

var (
	otherKeyOnce sync.Once
	otherKey     *rsa.PrivateKey
)

// rewriteIDToken is mockoidc middleware that changes the ID token of
// every token response: edit changes its claims, and it is signed again
// with the provider's key (under the provider's key id) or, when
// wrongKey, with a key the provider never published.
func rewriteIDToken(t *testing.T, wrongKey bool, edit func(claims map[string]any)) func(http.Handler) http.Handler {
	kp, err := mockoidc.DefaultKeypair()
	must(t, err)
	kid, err := kp.KeyID()
	must(t, err)
	key := kp.PrivateKey
	if wrongKey {
		otherKeyOnce.Do(func() { otherKey, err = rsa.GenerateKey(rand.Reader, 2048) })
		must(t, err)
		key = otherKey
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
		(&jose.SignerOptions{}).WithType("JWT").WithHeader(jose.HeaderKey("kid"), kid))
	must(t, err)
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path != mockoidc.TokenEndpoint {
				next.ServeHTTP(w, r)
				return
			}
			rec := httptest.NewRecorder()
			next.ServeHTTP(rec, r)
			var body map[string]any
			json.Unmarshal(rec.Body.Bytes(), &body)
			if s, ok := body["id_token"].(string); ok {
				payload, _ := base64.RawURLEncoding.DecodeString(strings.Split(s, ".")[1])
				var claims map[string]any
				json.Unmarshal(payload, &claims)
				edit(claims)
				b, _ := json.Marshal(claims)
				jws, _ := signer.Sign(b)
				body["id_token"], _ = jws.CompactSerialize()
				out, _ := json.Marshal(body)
				rec.Body = bytes.NewBuffer(out)
			}
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(rec.Code)
			w.Write(rec.Body.Bytes())
		})
	}
}
