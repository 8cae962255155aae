package oauth

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"net/http"
	"net/http/httptest"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/token/assertiontest"
)

// TestClientKeySetsFetch: a key set at a jwksUri is fetched once and used
// for clientKeysTTL; an assertion it does not verify fetches it again,
// but not sooner than clientKeysRefetch after the last try, failed or
// not; when the server fails, the last good set serves for
// clientKeysStale, then the failure is the answer; an inline set is read
// again only when it changes.
func TestClientKeySetsFetch(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	set := []byte(assertiontest.KeySet(t, jose.JSONWebKey{Key: ec.Public()}))
	var fetches atomic.Int32
	var broken atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fetches.Add(1)
		if broken.Load() {
			http.Error(w, "down", http.StatusBadGateway)
			return
		}
		_, _ = w.Write(set)
	}))
	defer srv.Close()
	ks := newClientKeySets(srv.Client())
	app := &domain.Application{Tenant: "t", ID: "c", JWKSURI: srv.URL}
	ctx := context.Background()
	t0 := time.Now()
	steps := []struct {
		name    string
		at      time.Duration
		refetch bool
		fetches int32
	}{
		{"first use", 0, false, 1},
		{"cached", time.Minute, false, 1},
		{"refetch asked too soon", clientKeysRefetch - time.Second, true, 1},
		{"refetch asked", clientKeysRefetch + time.Second, true, 2},
		{"expired", clientKeysRefetch + clientKeysTTL + 2*time.Second, false, 3},
	}
	for _, s := range steps {
		if _, err := ks.get(ctx, app, t0.Add(s.at), s.refetch); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		if n := fetches.Load(); n != s.fetches {
			t.Fatalf("%s: %d fetches, want %d", s.name, n, s.fetches)
		}
	}
	// The server fails: the last good set serves for clientKeysStale, and
	// a failure is not tried again within clientKeysRefetch.
	broken.Store(true)
	lastGood := t0.Add(steps[len(steps)-1].at)
	failAt := lastGood.Add(clientKeysTTL + time.Second)
	for i, at := range []time.Time{failAt, failAt.Add(time.Second)} {
		if keys, err := ks.get(ctx, app, at, true); err != nil || keys == nil {
			t.Fatalf("failed fetch %d: %v, want the last good set", i+1, err)
		}
	}
	if n := fetches.Load(); n != 4 {
		t.Fatalf("%d fetches, want 4 (a failure is not retried at once)", n)
	}
	if _, err := ks.get(ctx, app, lastGood.Add(clientKeysStale+time.Minute), false); err == nil {
		t.Fatal("a 502 from the jwksUri gave keys past the stale limit")
	}
	inline := &domain.Application{Tenant: "t", ID: "i", JWKS: string(set)}
	for range 2 {
		if _, err := ks.get(ctx, inline, t0, false); err != nil {
			t.Fatal(err)
		}
	}
	inline.JWKS = `{"keys":[]}`
	if _, err := ks.get(ctx, inline, t0, false); err == nil {
		t.Fatal("a changed, empty inline set was not read again")
	}
	if _, err := newClientKeySets(nil).get(ctx, app, t0, false); err == nil {
		t.Fatal("a jwksUri fetched with no client configured")
	}
}

// TestClientKeySetsOneFetchForABurst: 20 assertions of one client at once,
// with nothing cached, cause one fetch of its jwksUri.
func TestClientKeySetsOneFetchForABurst(t *testing.T) {
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	set := []byte(assertiontest.KeySet(t, jose.JSONWebKey{Key: ec.Public()}))
	var fetches atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		fetches.Add(1)
		time.Sleep(100 * time.Millisecond)
		_, _ = w.Write(set)
	}))
	defer srv.Close()
	ks := newClientKeySets(srv.Client())
	app := &domain.Application{Tenant: "t", ID: "c", JWKSURI: srv.URL}
	var wg sync.WaitGroup
	for range 20 {
		wg.Go(func() {
			if _, err := ks.get(context.Background(), app, time.Now(), false); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n := fetches.Load(); n != 1 {
		t.Fatalf("%d fetches for a burst of 20, want 1", n)
	}
}
