package token

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
)

func TestRotation(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	clk := &clock{t: time.Now()}
	k := newTestKeyring(t, st, clk)
	old := issue(t, k, "acme", &Claims{Subject: "u"})
	if err := k.Rotate(ctx, "acme", ""); err != nil {
		t.Fatal(err)
	}
	fresh := issue(t, k, "acme", &Claims{Subject: "u"})
	if kidOf(t, old) == kidOf(t, fresh) {
		t.Fatal("rotation did not change the signing key")
	}
	for name, raw := range map[string]string{"old key": old, "new key": fresh} {
		if _, err := k.Verify(ctx, "acme", raw); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	set, err := k.JWKS(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if len(set.Keys) != 2 || len(set.Key(kidOf(t, old))) != 1 || len(set.Key(kidOf(t, fresh))) != 1 {
		t.Fatalf("JWKS does not publish both keys: %+v", set.Keys)
	}
	for _, jwk := range set.Keys {
		if !jwk.IsPublic() || jwk.Use != "sig" || jwk.Algorithm != "ES256" {
			t.Fatalf("bad published key %+v", jwk)
		}
	}
	if b, _ := json.Marshal(set); bytes.Contains(b, []byte(`"d"`)) {
		t.Fatalf("JWKS leaks a private key: %s", b)
	}
	// Once the old key's publication ends, its tokens fail (they would
	// have expired by then anyway).
	clk.Advance(domain.MaxAccessTokenTTL + time.Minute)
	k2 := newTestKeyring(t, st, clk)
	if _, err := k2.Verify(ctx, "acme", old); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("token of an unpublished key: %v", err)
	}
	if set, _ := k2.JWKS(ctx, "acme"); len(set.Keys) != 1 {
		t.Fatalf("unpublished key still in JWKS: %d keys", len(set.Keys))
	}
}

func TestRotationSeenByOtherNode(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	clk := &clock{t: time.Now()}
	a, b := newTestKeyring(t, st, clk), newTestKeyring(t, st, clk)
	first := issue(t, a, "acme", &Claims{Subject: "u"})
	if _, err := b.Verify(ctx, "acme", first); err != nil {
		t.Fatal(err)
	}
	// b has the tenant cached; a rotates and signs with the new key.
	if err := a.Rotate(ctx, "acme", ""); err != nil {
		t.Fatal(err)
	}
	second := issue(t, a, "acme", &Claims{Subject: "u"})
	if _, err := b.Verify(ctx, "acme", second); err != nil {
		t.Fatalf("unknown kid did not trigger a reload: %v", err)
	}
	if kidOf(t, issue(t, b, "acme", &Claims{Subject: "u"})) != kidOf(t, second) {
		t.Fatal("b reloaded for the new kid but still signs with the old key")
	}
}

func TestStaleCacheReloads(t *testing.T) {
	st := newTestStore(t)
	clk := &clock{t: time.Now()}
	a, c := newTestKeyring(t, st, clk), newTestKeyring(t, st, clk)
	first := issue(t, c, "acme", &Claims{Subject: "u"})
	if err := a.Rotate(context.Background(), "acme", ""); err != nil {
		t.Fatal(err)
	}
	second := issue(t, a, "acme", &Claims{Subject: "u"})
	// c only issues, so nothing tells it about the rotation but age: it
	// keeps the old (still published) key until its entry is stale.
	if kidOf(t, issue(t, c, "acme", &Claims{Subject: "u"})) != kidOf(t, first) {
		t.Fatal("c reloaded its signer before the cache expired")
	}
	clk.Advance(cacheTTL + time.Second)
	if kidOf(t, issue(t, c, "acme", &Claims{Subject: "u"})) != kidOf(t, second) {
		t.Fatal("c did not pick up the rotation after cacheTTL")
	}
}

func TestUnknownKidReloadIsRateLimited(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	clk := &clock{t: time.Now()}
	k := newTestKeyring(t, st, clk)
	_ = issue(t, k, "acme", &Claims{Subject: "u"})
	priv, _ := activeKey(t, st, "acme")
	st.mu.Lock()
	before := st.lists
	st.mu.Unlock()
	for i := range 50 {
		raw := sign(t, jose.ES256, priv, "kid"+string(rune('a'+i%26)), "at+jwt", map[string]any{})
		_, _ = k.Verify(ctx, "acme", raw)
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if n := st.lists - before; n != 1 {
		t.Fatalf("%d reloads for 50 unknown kids within a second, want 1", n)
	}
}

func TestConcurrentFirstUseCreatesOneKey(t *testing.T) {
	st := newTestStore(t)
	k := newTestKeyring(t, st, nil)
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			if _, err := k.Issue(context.Background(), "acme", &Claims{Subject: "u"}); err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	keys, _ := st.ListSigningKeys(context.Background(), "acme", time.Now())
	if len(keys) != 1 {
		t.Fatalf("%d keys created, want 1", len(keys))
	}
}

func TestSealedKeyBoundToTenant(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	k := newTestKeyring(t, st, nil)
	_ = issue(t, k, "acme", &Claims{Subject: "u"})
	// Copy acme's key row into another tenant: its private key must not
	// open there, so the copy cannot sign.
	st.mu.Lock()
	row := st.keys["acme"][0]
	row.Tenant = "evil"
	st.keys["evil"] = []domain.SigningKey{row}
	st.mu.Unlock()
	if _, err := k.Issue(ctx, "evil", &Claims{Subject: "u"}); !errors.Is(err, secret.ErrUnseal) {
		t.Fatalf("got %v, want ErrUnseal", err)
	}
}

// flakyStore fails every call while down is set, as a database outage.
type flakyStore struct {
	*memStore
	mu   sync.Mutex
	down bool
}

var errDown = errors.New("database down")

func (f *flakyStore) setDown(d bool) { f.mu.Lock(); f.down = d; f.mu.Unlock() }

func (f *flakyStore) ListSigningKeys(ctx context.Context, tenant string, now time.Time) ([]domain.SigningKey, error) {
	f.mu.Lock()
	down := f.down
	f.mu.Unlock()
	if down {
		return nil, errDown
	}
	return f.memStore.ListSigningKeys(ctx, tenant, now)
}

func TestStoreOutage(t *testing.T) {
	ctx := context.Background()
	st := &flakyStore{memStore: newMemStore()}
	clk := &clock{t: time.Now()}
	k := newTestKeyring(t, st, clk)
	raw := issue(t, k, "acme", &Claims{Subject: "u"})
	st.setDown(true)

	// Cached keys keep working past their age while the store is down.
	clk.Advance(cacheTTL + time.Second)
	if _, err := k.Issue(ctx, "acme", &Claims{Subject: "u"}); err != nil {
		t.Fatalf("issue with stale cache: %v", err)
	}
	if _, err := k.Verify(ctx, "acme", raw); err != nil {
		t.Fatalf("verify with stale cache: %v", err)
	}

	// A tenant never loaded cannot be verified: that is the server's
	// fault, not the token's, so it is not ErrInvalidToken.
	k2 := newTestKeyring(t, st, clk)
	if _, err := k2.Verify(ctx, "acme", raw); err == nil || errors.Is(err, ErrInvalidToken) {
		t.Fatalf("got %v, want a non-token error", err)
	}
	st.setDown(false)
	if _, err := k2.Verify(ctx, "acme", raw); err != nil {
		t.Fatalf("after recovery: %v", err)
	}
}

func TestEnsureKeyAndForget(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	k := newTestKeyring(t, st, nil)
	if set, err := k.JWKS(ctx, "acme"); err != nil || len(set.Keys) != 0 {
		t.Fatalf("JWKS before any key: %v %v", set, err)
	}
	for range 2 {
		if err := k.EnsureKey(ctx, "acme"); err != nil {
			t.Fatal(err)
		}
	}
	if keys, _ := st.ListSigningKeys(ctx, "acme", time.Now()); len(keys) != 1 {
		t.Fatalf("EnsureKey made %d keys, want 1", len(keys))
	}
	// JWKS answered from the cache made before the key existed would be
	// empty; EnsureKey refreshed it.
	if set, _ := k.JWKS(ctx, "acme"); len(set.Keys) != 1 {
		t.Fatalf("JWKS after EnsureKey: %d keys", len(set.Keys))
	}
	k.Forget("acme")
	if set, _ := k.JWKS(ctx, "acme"); len(set.Keys) != 1 {
		t.Fatalf("JWKS after Forget: %d keys", len(set.Keys))
	}
}
