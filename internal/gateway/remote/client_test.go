package remote_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/apitoken"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/gateway/feedwire"
	"github.com/tollgate-dev/tollgate/internal/gateway/remote"
)

const credential = "tgg_credential"

// stubKeyManager plays the token service's gateway feed, the remote
// gateway's one external edge: answer writes each response, and every
// request is recorded.
type stubKeyManager struct {
	*httptest.Server
	mu   sync.Mutex
	reqs []recorded
}

type recorded struct {
	method, path, query, auth, body string
}

func newStubKeyManager(t *testing.T, answer http.HandlerFunc) *stubKeyManager {
	s := &stubKeyManager{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		s.mu.Lock()
		s.reqs = append(s.reqs, recorded{r.Method, r.URL.Path, r.URL.RawQuery, r.Header.Get("Authorization"), string(body)})
		s.mu.Unlock()
		answer(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

func (s *stubKeyManager) requests() []recorded {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.reqs)
}

// answerJSON answers every request with status and v as JSON.
func answerJSON(status int, v any) http.HandlerFunc {
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_ = json.NewEncoder(w).Encode(v)
	}
}

var (
	sampleAPIs = []domain.API{{Tenant: "acme", ID: "orders", Context: "/orders", Upstream: "http://orders.internal",
		OperatorUpstream: true, Resources: []domain.APIResource{
			{Method: "GET", Path: "/items/{id}", Scopes: []string{"orders:read"}},
			{Method: "GET", Path: "/health", Scopes: []string{}, Public: true}}}}
	sampleChanges = []domain.Change{{Seq: 8, Tenant: "acme", Entity: domain.EntityAPI, ID: "orders",
		At: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}, {Seq: 9, Entity: domain.EntityGatewayCredential, ID: "edge",
		At: time.Date(2030, 1, 2, 3, 4, 6, 0, time.UTC)}}
	sampleRevocations = []domain.Revocation{{Seq: 7, Tenant: "acme", Kind: domain.RevokeTokenID, Value: "jti-1",
		ExpiresAt: time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)}}
)

// TestClient runs each call of the feed client against the answers a key
// manager may give: the call's result or error, and whether the client
// then reports the key manager down (Status, which /readyz shows).
func TestClient(t *testing.T) {
	tests := []struct {
		name   string
		answer http.HandlerFunc
		call   func(ctx context.Context, c *remote.Client) (any, error)
		want   any    // the result, when no error is wanted
		err    string // a text the error must contain; "" for none
		errIs  error  // an error it must wrap; nil for any
		path   string // the path the client must have asked for
		down   bool
	}{
		{name: "APIs come back as domain APIs",
			answer: answerJSON(200, feedwire.FromAPIs(sampleAPIs)),
			call:   func(ctx context.Context, c *remote.Client) (any, error) { return c.APIs(ctx) },
			want:   sampleAPIs, path: feedwire.PathAPIs},
		{name: "no APIs is an empty list",
			answer: answerJSON(200, feedwire.FromAPIs(nil)),
			call:   func(ctx context.Context, c *remote.Client) (any, error) { return c.APIs(ctx) },
			want:   []domain.API{}, path: feedwire.PathAPIs},
		{name: "keys of a tenant carry their public halves",
			answer: answerJSON(200, feedwire.Keys{Keys: []feedwire.Key{{ID: "k1", Algorithm: "ES256",
				PublicKey: json.RawMessage(`{"kty":"EC"}`), CreatedAt: time.Unix(100, 0).UTC()}}}),
			call: func(ctx context.Context, c *remote.Client) (any, error) {
				keys, err := c.ListSigningKeys(ctx, "acme", time.Now())
				if err != nil {
					return nil, err
				}
				k := keys[0]
				return []string{k.Tenant, k.ID, k.Algorithm, string(k.PublicKey)}, nil
			},
			want: []string{"acme", "k1", "ES256", `{"kty":"EC"}`}, path: feedwire.PathKeys + "acme"},
		{name: "revocations come back as domain revocations",
			answer: answerJSON(200, feedwire.FromRevocations(sampleRevocations)),
			call: func(ctx context.Context, c *remote.Client) (any, error) {
				return c.RevocationsSince(ctx, 6, 100)
			},
			want: sampleRevocations, path: feedwire.PathRevocations},
		{name: "changes come back as domain changes",
			answer: answerJSON(200, feedwire.FromChanges(sampleChanges, 9)),
			call: func(ctx context.Context, c *remote.Client) (any, error) {
				return c.ChangesSince(ctx, 7, 100)
			},
			want: sampleChanges, path: feedwire.PathChanges},
		{name: "the feed's position",
			answer: answerJSON(200, feedwire.FromChanges(nil, 42)),
			call: func(ctx context.Context, c *remote.Client) (any, error) {
				return c.FeedPosition(ctx)
			},
			want: int64(42), path: feedwire.PathChanges},
		{name: "an API token's identity",
			answer: answerJSON(200, feedwire.APITokenIdentity{Tenant: "acme", Subject: "eve", Scopes: []string{"orders:read"}}),
			call: func(ctx context.Context, c *remote.Client) (any, error) {
				return c.VerifyAPIToken(ctx, "acme", "tgp_token")
			},
			want: &apitoken.Identity{Tenant: "acme", UserID: "eve", Scopes: []string{"orders:read"}}, path: feedwire.PathVerifyAPIToken},
		{name: "an API token the key manager refuses is invalid, and the key manager is up",
			answer: answerJSON(401, map[string]string{"error": "invalid_token"}),
			call: func(ctx context.Context, c *remote.Client) (any, error) {
				return c.VerifyAPIToken(ctx, "acme", "tgp_token")
			},
			errIs: apitoken.ErrInvalid, path: feedwire.PathVerifyAPIToken},
		{name: "an API token of another tenant is invalid",
			answer: answerJSON(200, feedwire.APITokenIdentity{Tenant: "other", Subject: "eve"}),
			call: func(ctx context.Context, c *remote.Client) (any, error) {
				return c.VerifyAPIToken(ctx, "acme", "tgp_token")
			},
			errIs: apitoken.ErrInvalid, path: feedwire.PathVerifyAPIToken},
		{name: "the gateway's own credential refused is an outage, not an invalid token",
			answer: answerJSON(401, map[string]any{"errors": []map[string]string{{"code": "unauthenticated"}}}),
			call: func(ctx context.Context, c *remote.Client) (any, error) {
				return c.VerifyAPIToken(ctx, "acme", "tgp_token")
			},
			err: "key manager answered 401", path: feedwire.PathVerifyAPIToken, down: true},
		{name: "a server error names its status",
			answer: answerJSON(503, map[string]string{"error": "unavailable"}),
			call:   func(ctx context.Context, c *remote.Client) (any, error) { return c.APIs(ctx) },
			err:    "key manager answered 503", path: feedwire.PathAPIs, down: true},
		{name: "a malformed answer is an error",
			answer: func(w http.ResponseWriter, _ *http.Request) { _, _ = io.WriteString(w, `{"apis":[`) },
			call:   func(ctx context.Context, c *remote.Client) (any, error) { return c.APIs(ctx) },
			err:    "key manager", path: feedwire.PathAPIs, down: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			km := newStubKeyManager(t, tc.answer)
			c := remote.NewClient([]string{km.URL + "/"}, credential, nil)
			got, err := tc.call(t.Context(), c)
			switch {
			case tc.err == "" && tc.errIs == nil:
				if err != nil {
					t.Fatalf("error %v", err)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("got %#v\nwant %#v", got, tc.want)
				}
			case err == nil:
				t.Fatalf("got %#v, want an error", got)
			case tc.errIs != nil && !errors.Is(err, tc.errIs), !strings.Contains(err.Error(), tc.err):
				t.Fatalf("error %v, want %v containing %q", err, tc.errIs, tc.err)
			}
			reqs := km.requests()
			if len(reqs) != 1 || reqs[0].path != tc.path || reqs[0].auth != "Bearer "+credential {
				t.Fatalf("requests %+v, want one to %s with the gateway's credential", reqs, tc.path)
			}
			lastOK, statusErr := c.Status()
			if (statusErr != nil) != tc.down || (!tc.down && lastOK.IsZero()) {
				t.Errorf("Status() = %v, %v; want down %v", lastOK, statusErr, tc.down)
			}
		})
	}
}

// TestClientUnreachable: a key manager that cannot be reached is an
// error and shows in Status, until it answers again.
func TestClientUnreachable(t *testing.T) {
	km := newStubKeyManager(t, answerJSON(200, feedwire.FromAPIs(sampleAPIs)))
	c := remote.NewClient([]string{km.URL}, credential, nil)
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	down := remote.NewClient([]string{dead.URL}, credential, nil)
	if _, err := down.APIs(t.Context()); err == nil {
		t.Fatal("no error from a closed key manager")
	}
	if _, err := down.Status(); err == nil {
		t.Error("Status() reports no error after a failed exchange")
	}
	if _, err := c.APIs(t.Context()); err != nil {
		t.Fatal(err)
	}
	if lastOK, err := c.Status(); err != nil || time.Since(lastOK) > time.Minute {
		t.Errorf("Status() = %v, %v after a good exchange", lastOK, err)
	}
}

// TestClientRequestBodies: the API-token check sends the token in the
// body (never in the URL, which access logs keep), and the revocation
// request names the position and page size.
func TestClientRequestBodies(t *testing.T) {
	km := newStubKeyManager(t, func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == feedwire.PathRevocations {
			answerJSON(200, feedwire.FromRevocations(nil))(w, r)
			return
		}
		answerJSON(200, feedwire.APITokenIdentity{Tenant: "acme", Subject: "eve"})(w, r)
	})
	c := remote.NewClient([]string{km.URL}, credential, nil)
	if _, err := c.VerifyAPIToken(t.Context(), "acme", "tgp_secret"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RevocationsSince(t.Context(), 41, 500); err != nil {
		t.Fatal(err)
	}
	reqs := km.requests()
	var body feedwire.VerifyAPIToken
	if err := json.Unmarshal([]byte(reqs[0].body), &body); err != nil || body != (feedwire.VerifyAPIToken{Tenant: "acme", Token: "tgp_secret"}) ||
		reqs[0].method != http.MethodPost || strings.Contains(reqs[0].path+reqs[0].query, "tgp_secret") {
		t.Errorf("token check sent %+v", reqs[0])
	}
	if reqs[1].method != http.MethodGet || reqs[1].query != "after=41&limit=500&waitMs=0" {
		t.Errorf("revocation request %+v", reqs[1])
	}
}

// TestRevocationsLongPoll: a client that is behind asks without waiting;
// once a page comes back empty it is caught up, and the next request
// waits on the key manager for news (FeedWait), until a page
// brings some.
func TestRevocationsLongPoll(t *testing.T) {
	pages := [][]domain.Revocation{sampleRevocations, nil, nil, sampleRevocations, nil}
	var mu sync.Mutex
	km := newStubKeyManager(t, func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		page := pages[0]
		pages = pages[1:]
		mu.Unlock()
		answerJSON(200, feedwire.FromRevocations(page))(w, r)
	})
	c := remote.NewClient([]string{km.URL}, credential, nil)
	for range 5 {
		if _, err := c.RevocationsSince(t.Context(), 0, 10); err != nil {
			t.Fatal(err)
		}
	}
	wait := "waitMs=" + strconv.FormatInt(remote.FeedWait.Milliseconds(), 10)
	want := []string{"waitMs=0", "waitMs=0", wait, wait, "waitMs=0"}
	for i, r := range km.requests() {
		if !strings.HasSuffix(r.query, want[i]) {
			t.Errorf("request %d: %s, want %s", i+1, r.query, want[i])
		}
	}
}

// TestRevocationsPacedWhileDown: after a failed exchange the next
// revocation request waits before it asks, so a follower that retries at
// once does not hammer an absent key manager; a cancelled context ends
// the wait without a request.
func TestRevocationsPacedWhileDown(t *testing.T) {
	km := newStubKeyManager(t, answerJSON(500, map[string]string{"error": "down"}))
	c := remote.NewClient([]string{km.URL}, credential, nil)
	if _, err := c.RevocationsSince(t.Context(), 0, 10); err == nil {
		t.Fatal("no error from a failing key manager")
	}
	ctx, cancel := context.WithTimeout(t.Context(), 50*time.Millisecond)
	defer cancel()
	start := time.Now()
	if _, err := c.RevocationsSince(ctx, 0, 10); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("got %v, want the context's error", err)
	}
	if n := len(km.requests()); n != 1 || time.Since(start) > time.Second {
		t.Errorf("%d requests, %v: the paused request went out or the wait ignored the context", n, time.Since(start))
	}
}

// TestTokenService: token requests reach the key manager as the caller
// sent them, with the caller's own credentials and never the gateway's;
// an unreachable key manager is a 503 in the OAuth error format.
func TestTokenService(t *testing.T) {
	km := newStubKeyManager(t, answerJSON(200, map[string]string{"access_token": "at"}))
	h, err := remote.NewClient([]string{km.URL}, credential, nil).TokenService()
	if err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	req := httptest.NewRequest("POST", "/acme/oauth2/token", strings.NewReader("grant_type=client_credentials"))
	req.Header.Set("Authorization", "Basic Y2xpZW50OnNlY3JldA==")
	h.ServeHTTP(rec, req)
	reqs := km.requests()
	if rec.Code != 200 || len(reqs) != 1 || reqs[0].path != "/acme/oauth2/token" ||
		reqs[0].auth != "Basic Y2xpZW50OnNlY3JldA==" || reqs[0].body != "grant_type=client_credentials" {
		t.Fatalf("answer %d %s; key manager saw %+v", rec.Code, rec.Body, reqs)
	}

	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	h, err = remote.NewClient([]string{dead.URL}, credential, nil).TokenService()
	if err != nil {
		t.Fatal(err)
	}
	rec = httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest("POST", "/oauth2/token", strings.NewReader("grant_type=password")))
	var body struct{ Error string }
	_ = json.Unmarshal(rec.Body.Bytes(), &body)
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" || body.Error != "temporarily_unavailable" {
		t.Errorf("unreachable key manager: %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
}
