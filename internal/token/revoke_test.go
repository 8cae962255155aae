package token

import (
	"context"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

func TestRevocations(t *testing.T) {
	ctx := context.Background()
	r := NewRevocations(newTestStore(t), nil)
	later := time.Now().Add(time.Hour)
	for _, rev := range []*domain.Revocation{
		{Tenant: "acme", Kind: domain.RevokeTokenID, Value: "jti1", ExpiresAt: later},
		{Tenant: "acme", Kind: domain.RevokeFamily, Value: "fam1", ExpiresAt: later},
		{Tenant: "acme", Kind: domain.RevokeTokenID, Value: "gone", ExpiresAt: time.Now().Add(-time.Second)},
	} {
		if err := r.Revoke(ctx, rev); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		name                string
		tenant, jti, family string
		want                bool
	}{
		{"revoked jti", "acme", "jti1", "", true},
		{"revoked jti, other family", "acme", "jti1", "fam9", true},
		{"revoked family", "acme", "jti9", "fam1", true},
		{"live token", "acme", "jti2", "fam2", false},
		{"no family", "acme", "jti2", "", false},
		{"jti in another tenant", "other", "jti1", "", false},
		{"family in another tenant", "other", "jti9", "fam1", false},
		{"family value as jti", "acme", "fam1", "", false},
		{"already expired revocation", "acme", "gone", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := r.IsRevoked(tc.tenant, tc.jti, tc.family); got != tc.want {
				t.Fatalf("IsRevoked = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestRevocationsFollowOtherNode(t *testing.T) {
	st := newTestStore(t)
	a, b := NewRevocations(st, nil), NewRevocations(st, nil)
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); b.Follow(ctx, 10*time.Millisecond, nil) }()
	defer func() { cancel(); wg.Wait() }()

	later := time.Now().Add(time.Hour)
	if err := a.Revoke(ctx, &domain.Revocation{Tenant: "acme", Kind: domain.RevokeTokenID, Value: "j1", ExpiresAt: later}); err != nil {
		t.Fatal(err)
	}
	if !a.IsRevoked("acme", "j1", "") {
		t.Fatal("revocation not applied at once on the revoking node")
	}
	waitUntil(t, time.Second, func() bool { return b.IsRevoked("acme", "j1", "") })

	// More than one batch arrives in one Sync.
	for i := range syncBatch + 5 {
		rev := &domain.Revocation{Tenant: "acme", Kind: domain.RevokeFamily, Value: "f" + strconv.Itoa(i), ExpiresAt: later}
		if err := st.AddRevocation(ctx, rev); err != nil {
			t.Fatal(err)
		}
	}
	c := NewRevocations(st, nil)
	if err := c.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	if !c.IsRevoked("acme", "x", "f0") || !c.IsRevoked("acme", "x", "f"+strconv.Itoa(syncBatch+4)) || !c.IsRevoked("acme", "j1", "") {
		t.Fatal("Sync missed revocations beyond the first batch")
	}
	waitUntil(t, time.Second, func() bool { return b.IsRevoked("acme", "x", "f"+strconv.Itoa(syncBatch+4)) })
}

func TestRevocationsPrune(t *testing.T) {
	clk := &clock{t: time.Now()}
	r := NewRevocations(newTestStore(t), nil)
	r.now = clk.Now
	r.Noted(domain.Revocation{Tenant: "acme", Kind: domain.RevokeTokenID, Value: "short", ExpiresAt: clk.Now().Add(time.Minute)})
	r.Noted(domain.Revocation{Tenant: "acme", Kind: domain.RevokeTokenID, Value: "long", ExpiresAt: clk.Now().Add(time.Hour)})
	clk.Advance(pruneEvery + time.Minute)
	if err := r.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	if r.Len() != 1 || !r.IsRevoked("acme", "long", "") {
		t.Fatalf("prune kept %d entries, want only the live one", r.Len())
	}
}

func waitUntil(t *testing.T, d time.Duration, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(d); time.Now().Before(deadline); time.Sleep(2 * time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatalf("condition not met within %v", d)
}

func BenchmarkIsRevoked(b *testing.B) {
	r := NewRevocations(newMemStore(), nil)
	later := time.Now().Add(time.Hour)
	for i := range 10000 {
		r.Noted(domain.Revocation{Tenant: "acme", Kind: domain.RevokeTokenID, Value: strconv.Itoa(i), ExpiresAt: later})
	}
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.IsRevoked("acme", "not-revoked-jti", "fam")
		}
	})
}
