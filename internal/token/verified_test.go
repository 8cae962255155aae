package token

import (
	"context"
	"errors"
	"testing"
)

func TestVerifiedCache(t *testing.T) {
	ctx := context.Background()
	st := newMemStore()
	k := newTestKeyring(t, st, nil)
	raw := issue(t, k, "acme", &Claims{Subject: "u", Audience: []string{"https://api"}})

	first, err := k.Verify(ctx, "acme", raw)
	if err != nil {
		t.Fatal(err)
	}
	first.Audience[0] = "poisoned" // a caller's change must not reach the cache
	again, err := k.Verify(ctx, "acme", raw)
	if err != nil || again.Audience[0] != "https://api" || again.Subject != "u" {
		t.Fatalf("cached verification: %+v %v", again, err)
	}
	if _, err := k.Verify(ctx, "other", raw); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("cached token accepted in another tenant: %v", err)
	}

	// The tenant's keys are withdrawn (tenant deleted): the cached
	// validity ends with them.
	st.mu.Lock()
	delete(st.keys, "acme")
	st.mu.Unlock()
	k.Forget("acme")
	if _, err := k.Verify(ctx, "acme", raw); !errors.Is(err, ErrInvalidToken) {
		t.Fatalf("token of withdrawn key still verifies from cache: %v", err)
	}
}
