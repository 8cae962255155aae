package token

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// publicOnly is what a remote gateway's key manager hands out: the
// published keys without their private halves, and no way to write.
type publicOnly struct{ st *memStore }

func (p publicOnly) ListSigningKeys(ctx context.Context, tenant string, now time.Time) ([]domain.SigningKey, error) {
	keys, err := p.st.ListSigningKeys(ctx, tenant, now)
	for i := range keys {
		keys[i].PrivateKey = nil
	}
	return keys, err
}

// A read-only KeySource verifies what a Keyring signed from public keys
// alone, follows rotations through unknown kids, and never creates a key.
func TestKeySource(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	clk := &clock{t: time.Now()}
	signer := newTestKeyring(t, st, clk)
	src := NewKeySource(publicOnly{st}, testBase)
	src.now = clk.Now
	first := issue(t, signer, "acme", &Claims{Subject: "u", Scope: "orders:read"})
	other := issue(t, signer, "other", &Claims{Subject: "u"})
	if _, err := src.Verify(ctx, "acme", first); err != nil {
		t.Fatal(err) // caches acme's keys before the rotation
	}
	if err := signer.Rotate(ctx, "acme", "EdDSA"); err != nil {
		t.Fatal(err)
	}
	rotated := issue(t, signer, "acme", &Claims{Subject: "u"})

	for _, c := range []struct {
		name, tenant, raw string
		valid             bool
	}{
		{"token of the tenant", "acme", first, true},
		{"token of a key rotated in after the cache was filled", "acme", rotated, true},
		{"token of another tenant", "acme", other, false},
		{"tenant without keys", "nobody", first, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			got, err := src.Verify(ctx, c.tenant, c.raw)
			if c.valid && (err != nil || got.Tenant != c.tenant || got.Subject != "u") {
				t.Fatalf("Verify = %+v, %v; want valid", got, err)
			}
			if !c.valid && !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("Verify = %+v, %v; want ErrInvalidToken", got, err)
			}
		})
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	if n := len(st.keys["nobody"]); n != 0 {
		t.Fatalf("a read-only source created %d keys", n)
	}
}

// Unknown kids reload a read-only source at most once per missInterval.
func TestKeySourceUnknownKidIsRateLimited(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	clk := &clock{t: time.Now()}
	good := issue(t, newTestKeyring(t, st, clk), "acme", &Claims{Subject: "u"})
	priv, _ := activeKey(t, st, "acme")
	src := NewKeySource(publicOnly{st}, testBase)
	src.now = clk.Now
	if _, err := src.Verify(ctx, "acme", good); err != nil {
		t.Fatal(err) // the first load, not counted
	}
	st.mu.Lock()
	before := st.lists
	st.mu.Unlock()
	verify := func(n int) {
		for i := range n {
			raw := sign(t, jose.ES256, priv, "kid"+string(rune('a'+i%26)), "at+jwt", map[string]any{})
			if _, err := src.Verify(ctx, "acme", raw); !errors.Is(err, ErrInvalidToken) {
				t.Fatalf("unknown kid: %v", err)
			}
		}
	}
	verify(50)
	clk.Advance(missInterval)
	verify(50)
	st.mu.Lock()
	defer st.mu.Unlock()
	// One reload per interval, however many unknown kids.
	if n := st.lists - before; n != 2 {
		t.Fatalf("%d store reads for 100 unknown kids over two intervals, want 2", n)
	}
}
