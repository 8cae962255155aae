package broker_test

import (
	"bytes"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/broker"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/gateway/upstream"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore/sqltest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// clock is the brokers' time, which tests move forward.
type clock struct{ offset atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) Advance(d time.Duration) { c.offset.Add(int64(d)) }

// fakeUpstream is an Azure-AD-shaped token endpoint that counts its calls;
// answer decides each response (nil: a fresh token for an hour, with
// expires_in and expires_on as strings of digits, as Azure AD v1 sends).
type fakeUpstream struct {
	*httptest.Server
	calls  atomic.Int64
	mu     sync.Mutex
	answer func(w http.ResponseWriter, r *http.Request)
	forms  []url.Values
	paths  []string
}

func newUpstream(t *testing.T) *fakeUpstream {
	u := &fakeUpstream{}
	u.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := u.calls.Add(1)
		_ = r.ParseForm()
		u.mu.Lock()
		u.forms, u.paths = append(u.forms, r.PostForm), append(u.paths, r.URL.EscapedPath())
		answer := u.answer
		u.mu.Unlock()
		if answer != nil {
			answer(w, r)
			return
		}
		// Slow enough that concurrent callers pile up behind the flight.
		time.Sleep(50 * time.Millisecond)
		w.Header().Set("Content-Type", "application/json; charset=utf-8")
		_ = json.NewEncoder(w).Encode(map[string]string{"token_type": "Bearer", "access_token": "tok-" + itoa(n),
			"expires_in": "3599", "expires_on": itoa(time.Now().Unix() + 3599), "resource": r.PostForm.Get("resource")})
	}))
	t.Cleanup(u.Close)
	return u
}

func (u *fakeUpstream) set(answer func(w http.ResponseWriter, r *http.Request)) {
	u.mu.Lock()
	u.answer = answer
	u.mu.Unlock()
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// env is a store with tenant acme, a sealer and a clock.
type env struct {
	t      *testing.T
	st     *sqlstore.Store
	sealer *secret.Sealer
	clock  *clock
	logs   *syncBuffer
}

func newEnv(t *testing.T, st *sqlstore.Store) *env {
	t.Helper()
	sealer, err := secret.NewSealer(bytes.Repeat([]byte{7}, secret.MasterKeySize))
	must(t, err)
	must(t, st.CreateTenant(t.Context(), &domain.Tenant{ID: "acme", Name: "acme"}))
	must(t, st.CreateRole(t.Context(), "acme", &domain.Role{Tenant: "acme", ID: "reader"}))
	return &env{t: t, st: st, sealer: sealer, clock: &clock{}, logs: &syncBuffer{}}
}

// broker is a node's Broker over st (e.st, or another connection to the
// same database).
func (e *env) broker(st broker.Store, timeout time.Duration) *broker.Broker {
	return broker.New(broker.Config{Store: st, Sealer: e.sealer, Policy: upstream.Strict(), Clock: e.clock.Now,
		Timeout: timeout, Logger: slog.New(slog.NewTextHandler(e.logs, nil))})
}

// provider creates provider id of acme whose token URL is u's, with the
// operator's rights (a loopback upstream).
func (e *env) provider(id string, u *fakeUpstream, edit func(*domain.BrokerProvider)) *domain.BrokerProvider {
	e.t.Helper()
	secretSealed, err := e.sealer.Seal([]byte("client-s3cret"), domain.BrokerSealAD("acme", id, domain.BrokerSealClientSecret))
	must(e.t, err)
	p := &domain.BrokerProvider{Tenant: "acme", ID: id, TokenURL: u.URL + "/{tenantId}/oauth2/token",
		UpstreamTenant: "contoso.onmicrosoft.com", GrantType: domain.BrokerGrantClientCredentials, ClientID: "app-1",
		SealedClientSecret: secretSealed, Resource: "https://analysis.windows.net/powerbi/api",
		AllowedRoles: []string{"reader"}, RefreshBefore: 5 * time.Minute, ByOperator: true}
	if edit != nil {
		edit(p)
	}
	must(e.t, e.st.CreateBrokerProvider(e.t.Context(), "acme", p))
	return p
}

// syncBuffer is a log sink safe for the brokers' goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

var forEachStore = sqltest.ForEach

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}
