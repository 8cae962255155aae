package oauth

import (
	"bytes"
	"context"
	"errors"
	"io"
	"log/slog"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/audit"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// Fixtures of the test environment. Client ids are unique across tenants,
// as the store requires.
const (
	testPassword    = "s3cret-pw"
	webClient       = "web-client"    // default tenant: every grant but embed
	ccOnlyClient    = "cc-only"       // default tenant: client_credentials only
	acmeClient      = "acme-client"   // tenant acme: password, client_credentials
	clientSecret    = "client-secret" // of every fixture client
	testEmbedSecret = "tge_embed-secret"
)

// testEnv is a Server on a real SQLite store (a temporary file) with two
// tenants of users, roles, scopes and applications.
type testEnv struct {
	srv    *Server
	st     *sqlstore.Store
	keys   *token.Keyring
	events *eventLog
}

// newTestEnv builds the environment. The default tenant has scopes
// orders:read, orders:write and admin; role reader grants orders:read,
// role writer orders:read and orders:write. Users: john.doe (reader),
// jane (writer), roleless, disabled.user, sso.user (no password). Tenant
// acme has user alice (acme-reader, acme's orders:read). Embed
// authentication is on in the default tenant.
func newTestEnv(t testing.TB) *testEnv {
	t.Helper()
	ctx := context.Background()
	st, err := sqlstore.Open(ctx, filepath.Join(t.TempDir(), "tollgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	sealer, err := secret.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := token.NewKeyring(st, sealer, "https://tollgate.example", "")
	if err != nil {
		t.Fatal(err)
	}
	hasher := secret.NewHasher(secret.Params{Memory: 64, Time: 1, Threads: 1}, 0, time.Second)
	e := &testEnv{st: st, keys: keys, events: &eventLog{}}
	e.srv = NewServer(Config{
		Store: st, Hasher: hasher, Keys: keys, Revoked: token.NewRevocations(st, nil), Sealer: sealer,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Events: e.events,
	})
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	pwHash, err := hasher.Hash(ctx, testPassword)
	must(err)
	now := time.Now()
	for _, tenant := range []string{domain.DefaultTenant, "acme"} {
		must(st.CreateTenant(ctx, &domain.Tenant{ID: tenant, Name: tenant, CreatedAt: now}))
		must(keys.EnsureKey(ctx, tenant))
	}
	for _, s := range []string{"orders:read", "orders:write", "admin"} {
		must(st.CreateScope(ctx, domain.DefaultTenant, &domain.Scope{Tenant: domain.DefaultTenant, ID: s}))
	}
	must(st.CreateScope(ctx, "acme", &domain.Scope{Tenant: "acme", ID: "orders:read"}))
	roles := []domain.Role{
		{Tenant: domain.DefaultTenant, ID: "reader", Scopes: []string{"orders:read"}},
		{Tenant: domain.DefaultTenant, ID: "writer", Scopes: []string{"orders:read", "orders:write"}},
		{Tenant: "acme", ID: "acme-reader", Scopes: []string{"orders:read"}},
	}
	for i := range roles {
		must(st.CreateRole(ctx, roles[i].Tenant, &roles[i]))
	}
	users := []domain.User{
		{Tenant: domain.DefaultTenant, ID: "john.doe", PasswordHash: pwHash, Roles: []string{"reader"}, Source: "local"},
		{Tenant: domain.DefaultTenant, ID: "jane", PasswordHash: pwHash, Roles: []string{"writer"}, Source: "local"},
		{Tenant: domain.DefaultTenant, ID: "roleless", PasswordHash: pwHash, Source: "local"},
		{Tenant: domain.DefaultTenant, ID: "disabled.user", PasswordHash: pwHash, Roles: []string{"reader"}, Source: "local", Disabled: true},
		{Tenant: domain.DefaultTenant, ID: "sso.user", Roles: []string{"reader"}, Source: "oidc:azure"},
		{Tenant: "acme", ID: "alice", PasswordHash: pwHash, Roles: []string{"acme-reader"}, Source: "local"},
	}
	for i := range users {
		users[i].CreatedAt, users[i].UpdatedAt = now, now
		must(st.CreateUser(ctx, users[i].Tenant, &users[i]))
	}
	apps := []domain.Application{
		{Tenant: domain.DefaultTenant, ID: webClient, Name: "web",
			GrantTypes: []string{domain.GrantPassword, domain.GrantRefreshToken, domain.GrantClientCredentials},
			Scopes:     []string{"orders:read", "orders:write"}, DefaultScopes: []string{"orders:read"},
			RefreshReuseGrace: 30 * time.Second},
		{Tenant: domain.DefaultTenant, ID: ccOnlyClient, Name: "cc only",
			GrantTypes: []string{domain.GrantClientCredentials}, Scopes: []string{"orders:read"}},
		{Tenant: "acme", ID: acmeClient, Name: "acme",
			GrantTypes: []string{domain.GrantPassword, domain.GrantClientCredentials}, Scopes: []string{"orders:read"}},
	}
	for i := range apps {
		a := &apps[i]
		a.SecretHash = secret.HashToken(clientSecret)
		a.AccessTokenTTL, a.RefreshTokenTTL = domain.DefaultAccessTokenTTL, domain.DefaultRefreshTokenTTL
		a.CreatedAt, a.UpdatedAt = now, now
		must(st.CreateApplication(ctx, a.Tenant, a))
	}
	sealed, err := sealer.Seal([]byte(testEmbedSecret), domain.EmbedSecretAD(domain.DefaultTenant))
	must(err)
	must(st.PutEmbedSettings(ctx, domain.DefaultTenant, &domain.EmbedSettings{
		Tenant: domain.DefaultTenant, Enabled: true, SealedSecret: sealed,
		Scopes: []string{"orders:read", "orders:write"}, UpdatedAt: now,
	}))
	return e
}

// call is one token request as a client sends it: a form body and,
// unless auth is empty, an Authorization header.
type call struct {
	tenant string // "" is the default tenant
	auth   string
	form   url.Values
}

// token parses and runs a token request as the token endpoint does.
func (e *testEnv) token(t testing.TB, c call) (*TokenResponse, error) {
	t.Helper()
	req, err := ParseRequest(form, c.auth, strings.NewReader(c.form.Encode()))
	if err != nil {
		return nil, err
	}
	req.RemoteAddr = "192.0.2.1"
	tenant := c.tenant
	if tenant == "" {
		tenant = domain.DefaultTenant
	}
	return e.srv.Token(context.Background(), tenant, req)
}

// mustToken runs c and fails the test on a refusal.
func (e *testEnv) mustToken(t testing.TB, c call) *TokenResponse {
	t.Helper()
	resp, err := e.token(t, c)
	if err != nil {
		t.Fatalf("token request %v: %v", c.form, err)
	}
	return resp
}

// webBasic is the web client's HTTP Basic header.
func webBasic() string { return basic(webClient, clientSecret) }

// values builds a form from name, value pairs.
func values(kv ...string) url.Values {
	v := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		v.Add(kv[i], kv[i+1])
	}
	return v
}

// claims verifies an issued access token's signature in tenant and
// returns its claims.
func (e *testEnv) claims(t testing.TB, tenant, raw string) *token.Claims {
	t.Helper()
	c, err := e.keys.Verify(context.Background(), tenant, raw)
	if err != nil {
		t.Fatalf("access token does not verify: %v", err)
	}
	return c
}

// errorCode is the OAuth error code of err, or "" for nil.
func errorCode(err error) string {
	if err == nil {
		return ""
	}
	var oe *Error
	if !errors.As(err, &oe) {
		return "not an *Error: " + err.Error()
	}
	return oe.Code
}

// eventLog keeps the audit events the Server records, and which of them
// it asked to be stored at once.
type eventLog struct {
	mu      sync.Mutex
	events  []audit.Event
	durable []bool
}

func (l *eventLog) Record(ev audit.Event) { l.add(ev, false) }

func (l *eventLog) RecordDurable(_ context.Context, ev audit.Event) { l.add(ev, true) }

func (l *eventLog) add(ev audit.Event, durable bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.events = append(l.events, ev)
	l.durable = append(l.durable, durable)
}

// lastDurable reports whether the latest event went to RecordDurable.
func (l *eventLog) lastDurable() bool {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.durable) > 0 && l.durable[len(l.durable)-1]
}

// last returns the latest event.
func (l *eventLog) last(t testing.TB) audit.Event {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	if len(l.events) == 0 {
		t.Fatal("no audit event recorded")
	}
	return l.events[len(l.events)-1]
}

// embedForm is a plain-form embed request for username.
func embedForm(username string) url.Values {
	return values("grant_type", domain.GrantEmbedSecret, "username", username, "embed_secret", testEmbedSecret)
}

// signedEmbedForm is a signed-form embed request for username at time at.
func signedEmbedForm(username, nonce string, at time.Time) url.Values {
	ts := strconv.FormatInt(at.Unix(), 10)
	return values("grant_type", domain.GrantEmbedSecret, "username", username, "embed_nonce", nonce,
		"timestamp", ts, "embed_signature", EmbedSignature(testEmbedSecret, nonce, username, ts))
}

// tokenCase is one token request and what it must get.
type tokenCase struct {
	name string
	call call
	// prepare, when set, makes the request instead of call (a refresh
	// token issued for the case, a user changed first).
	prepare  func(t *testing.T, e *testEnv) call
	wantCode string // "" for success
	// wantStatus and wantDesc (a part of error_description) are checked
	// when set.
	wantStatus int
	wantDesc   string
	check      func(t *testing.T, e *testEnv, resp *TokenResponse)
}

// run runs each case as a subtest on e.
func (e *testEnv) run(t *testing.T, cases []tokenCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.call
			if tc.prepare != nil {
				c = tc.prepare(t, e)
			}
			resp, err := e.token(t, c)
			if code := errorCode(err); code != tc.wantCode {
				t.Fatalf("got %v, want code %q", err, tc.wantCode)
			}
			if err != nil {
				oe := AsError(err)
				if tc.wantStatus != 0 && oe.Status != tc.wantStatus {
					t.Fatalf("status %d, want %d", oe.Status, tc.wantStatus)
				}
				if !strings.Contains(oe.Description, tc.wantDesc) {
					t.Fatalf("description %q, want it to contain %q", oe.Description, tc.wantDesc)
				}
				return
			}
			if tc.check != nil {
				tc.check(t, e, resp)
			}
		})
	}
}
