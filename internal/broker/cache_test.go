package broker_test

import (
	"net/http"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/broker"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore/sqltest"
)

// concurrently calls Token n times at once and returns the tokens.
func concurrently(t *testing.T, b *broker.Broker, id string, n int) []string {
	t.Helper()
	out := make([]string, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			tok, err := b.Token(t.Context(), "acme", id)
			out[i], errs[i] = tok.AccessToken, err
		})
	}
	close(start)
	wg.Wait()
	for _, err := range errs {
		must(t, err)
	}
	return out
}

func allEqual(t *testing.T, toks []string, want string) {
	t.Helper()
	for _, tok := range toks {
		if tok != want {
			t.Fatalf("a caller got %q, want %q", tok, want)
		}
	}
}

// powerBI is an env with provider powerbi in front of a counting upstream,
// and a Broker.
func powerBI(t *testing.T, st *sqlstore.Store) (*env, *fakeUpstream, *broker.Broker) {
	e := newEnv(t, st)
	u := newUpstream(t)
	e.provider("powerbi", u, nil)
	return e, u, e.broker(st, 0)
}

// TestColdCacheOneUpstreamCall: 1,000 callers at once on a cold cache make
// one upstream request, with the provider's settings in it.
func TestColdCacheOneUpstreamCall(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.Store) {
		_, u, b := powerBI(t, st)
		allEqual(t, concurrently(t, b, "powerbi", 1000), "tok-1")
		if n := u.calls.Load(); n != 1 {
			t.Fatalf("%d upstream calls, want 1", n)
		}
		f := u.forms[0]
		for k, want := range map[string]string{"grant_type": "client_credentials", "client_id": "app-1",
			"client_secret": "client-s3cret", "resource": "https://analysis.windows.net/powerbi/api"} {
			if f.Get(k) != want {
				t.Errorf("upstream got %s=%q, want %q", k, f.Get(k), want)
			}
		}
		if f.Has("scope") || f.Has("username") {
			t.Errorf("upstream got scope or username: %v", f)
		}
		if u.paths[0] != "/contoso.onmicrosoft.com/oauth2/token" {
			t.Errorf("token URL path %s, want {tenantId} replaced", u.paths[0])
		}
		tok, err := b.Token(t.Context(), "acme", "powerbi")
		must(t, err)
		if tok.Resource != "https://analysis.windows.net/powerbi/api" || tok.ExpiresIn < 59*time.Minute || tok.ExpiresIn > time.Hour {
			t.Errorf("token %+v", tok)
		}
	})
}

// TestRefreshNearExpiry: a token refreshBefore its expiry is replaced by
// one upstream request, whatever the number of callers.
func TestRefreshNearExpiry(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.Store) {
		e, u, b := powerBI(t, st)
		allEqual(t, concurrently(t, b, "powerbi", 10), "tok-1")
		e.clock.Advance(50 * time.Minute) // 9 minutes left: not due before 5
		allEqual(t, concurrently(t, b, "powerbi", 100), "tok-1")
		e.clock.Advance(5 * time.Minute) // 4 minutes left: due
		allEqual(t, concurrently(t, b, "powerbi", 500), "tok-2")
		if n := u.calls.Load(); n != 2 {
			t.Fatalf("%d upstream calls, want 2", n)
		}
	})
}

// TestOutageServesValidToken: while the upstream fails, callers keep
// getting the old token until it expires, and the refresh is retried
// with backoff rather than on every call.
func TestOutageServesValidToken(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.Store) {
		e, u, b := powerBI(t, st)
		allEqual(t, concurrently(t, b, "powerbi", 10), "tok-1")
		u.set(func(w http.ResponseWriter, _ *http.Request) {
			http.Error(w, "<html>down</html>", http.StatusServiceUnavailable)
		})
		e.clock.Advance(56 * time.Minute)
		allEqual(t, concurrently(t, b, "powerbi", 200), "tok-1")
		if n := u.calls.Load(); n != 2 {
			t.Fatalf("%d upstream calls, want 2 (one failed refresh, then backoff)", n)
		}
		e.clock.Advance(500 * time.Millisecond)
		allEqual(t, concurrently(t, b, "powerbi", 10), "tok-1")
		if n := u.calls.Load(); n != 2 {
			t.Fatalf("%d upstream calls within the first second of backoff, want 2", n)
		}
		e.clock.Advance(time.Second) // past the 1 s backoff: one retry, then 2 s
		allEqual(t, concurrently(t, b, "powerbi", 10), "tok-1")
		if n := u.calls.Load(); n != 3 {
			t.Fatalf("%d upstream calls after the backoff, want 3", n)
		}
		u.set(nil)
		e.clock.Advance(2 * time.Second)
		allEqual(t, concurrently(t, b, "powerbi", 10), "tok-4")
		// Expired while the upstream is down: an error, not the old token.
		u.set(func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "down", http.StatusBadGateway) })
		e.clock.Advance(2 * time.Hour)
		if _, err := b.Token(t.Context(), "acme", "powerbi"); err == nil {
			t.Fatal("an expired token was served")
		}
	})
}

// TestTwoNodes: two nodes on one database make one upstream request per
// refresh: the one holding the lease asks, the other reads its token.
func TestTwoNodes(t *testing.T) {
	sqltest.ForEach(t, func(t *testing.T, st *sqlstore.Store) {
		e := newEnv(t, st)
		u := newUpstream(t)
		e.provider("powerbi", u, nil)
		nodes := []*broker.Broker{e.broker(st, 0), e.broker(st, 0)}
		round := func(want ...string) {
			var wg sync.WaitGroup
			for _, b := range nodes {
				wg.Go(func() {
					for _, tok := range concurrently(t, b, "powerbi", 100) {
						if !slices.Contains(want, tok) {
							t.Errorf("a caller got %q, want one of %q", tok, want)
						}
					}
				})
			}
			wg.Wait()
		}
		round("tok-1")
		if n := u.calls.Load(); n != 1 {
			t.Fatalf("cold: %d upstream calls, want 1", n)
		}
		e.clock.Advance(56 * time.Minute)
		// The node that loses the lease serves its still-valid token
		// while the other refreshes.
		round("tok-1", "tok-2")
		round("tok-2")
		if n := u.calls.Load(); n != 2 {
			t.Fatalf("refresh: %d upstream calls in all, want 2", n)
		}
	})
}

// TestSettingsChangeDropsToken: a token obtained under the provider's
// old settings is not served after an update.
func TestSettingsChangeDropsToken(t *testing.T) {
	forEachStore(t, func(t *testing.T, st *sqlstore.Store) {
		_, _, b := powerBI(t, st)
		allEqual(t, concurrently(t, b, "powerbi", 5), "tok-1")
		_, err := st.UpdateBrokerProvider(t.Context(), "acme", "powerbi", func(p *domain.BrokerProvider) error {
			p.Resource = "https://other.example/api"
			return nil
		})
		must(t, err)
		must(t, b.Changed(t.Context(), domain.Change{Tenant: "acme", Entity: domain.EntityBrokerProvider, ID: "powerbi"}))
		tok, err := b.Token(t.Context(), "acme", "powerbi")
		must(t, err)
		if tok.AccessToken != "tok-2" || tok.Resource != "https://other.example/api" {
			t.Fatalf("after the update: %+v, want a new token for the new resource", tok)
		}
	})
}
