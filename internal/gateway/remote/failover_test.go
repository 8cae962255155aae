package remote_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/gateway/feedwire"
	"github.com/tollgate-dev/tollgate/internal/gateway/remote"
)

// TestClientFailsOver: with several key managers (the token service's
// nodes), a call that finds the node in use unreachable, or answering
// 5xx, is made on the next, which is then kept; a 4xx is an answer and
// moves nothing. A token request the gateway forwards to a dead node
// gets its 503 and moves the gateway on too.
func TestClientFailsOver(t *testing.T) {
	ctx := context.Background()
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	ok := func() *stubKeyManager { return newStubKeyManager(t, answerJSON(200, feedwire.FromAPIs(sampleAPIs))) }

	t.Run("unreachable", func(t *testing.T) {
		km := ok()
		c := remote.NewClient([]string{dead.URL, km.URL}, credential, nil)
		for range 2 {
			apis, err := c.APIs(ctx)
			if err != nil || !reflect.DeepEqual(apis, sampleAPIs) {
				t.Fatalf("APIs: %v %+v", err, apis)
			}
		}
		if c.Current() != km.URL || len(km.requests()) != 2 {
			t.Fatalf("in use %s, %d requests to the live node", c.Current(), len(km.requests()))
		}
	})
	t.Run("5xx", func(t *testing.T) {
		failing, km := newStubKeyManager(t, answerJSON(503, map[string]string{"error": "db"})), ok()
		c := remote.NewClient([]string{failing.URL, km.URL}, credential, nil)
		if _, err := c.APIs(ctx); err != nil {
			t.Fatal(err)
		}
		if len(failing.requests()) != 1 || len(km.requests()) != 1 || c.Current() != km.URL {
			t.Fatalf("%d then %d requests, in use %s", len(failing.requests()), len(km.requests()), c.Current())
		}
	})
	t.Run("4xx stays", func(t *testing.T) {
		refusing, km := newStubKeyManager(t, answerJSON(401, map[string]string{"error": "invalid credential"})), ok()
		c := remote.NewClient([]string{refusing.URL, km.URL}, credential, nil)
		if _, err := c.APIs(ctx); err == nil || !strings.Contains(err.Error(), "401") {
			t.Fatalf("APIs: %v, want the 401", err)
		}
		if len(km.requests()) != 0 || c.Current() != refusing.URL {
			t.Fatalf("a refusal moved the client on to %s", c.Current())
		}
	})
	t.Run("all down", func(t *testing.T) {
		c := remote.NewClient([]string{dead.URL, dead.URL + "/"}, credential, nil)
		if _, err := c.APIs(ctx); err == nil {
			t.Fatal("no error with every node down")
		}
	})
	t.Run("forwarded token request answered 5xx", func(t *testing.T) {
		failing, km := newStubKeyManager(t, answerJSON(503, map[string]string{"error": "temporarily_unavailable"})), ok()
		c := remote.NewClient([]string{failing.URL, km.URL}, credential, nil)
		ts, err := c.TokenService()
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		ts.ServeHTTP(w, httptest.NewRequest("POST", "/oauth2/token", strings.NewReader("grant_type=client_credentials")))
		if w.Code != http.StatusServiceUnavailable || c.Current() != km.URL {
			t.Fatalf("%d, now on %s; want the node's 503 passed on and the next node in use", w.Code, c.Current())
		}
	})
	t.Run("forwarded token request", func(t *testing.T) {
		km := ok()
		c := remote.NewClient([]string{dead.URL, km.URL}, credential, nil)
		ts, err := c.TokenService()
		if err != nil {
			t.Fatal(err)
		}
		w := httptest.NewRecorder()
		ts.ServeHTTP(w, httptest.NewRequest("POST", "/oauth2/token", strings.NewReader("grant_type=client_credentials")))
		if w.Code != http.StatusServiceUnavailable || !strings.Contains(w.Body.String(), "temporarily_unavailable") {
			t.Fatalf("%d %s", w.Code, w.Body)
		}
		if c.Current() != km.URL {
			t.Fatalf("still on %s after a failed forward", c.Current())
		}
		w = httptest.NewRecorder()
		ts.ServeHTTP(w, httptest.NewRequest("POST", "/oauth2/token", strings.NewReader("grant_type=client_credentials")))
		if w.Code != http.StatusOK || len(km.requests()) != 1 {
			t.Fatalf("next forward: %d, %d requests to the live node", w.Code, len(km.requests()))
		}
	})
}
