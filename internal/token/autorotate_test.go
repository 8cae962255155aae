package token

import (
	"context"
	"crypto"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

var testPolicy = RotationPolicy{Period: 90 * 24 * time.Hour, Prepublish: 24 * time.Hour}

// cachedVerifier is a relying party that fetched the tenant's JWKS once
// and verifies with that copy (go-oidc's StaticKeySet), as a verifier
// whose cache has not expired does.
func cachedVerifier(t *testing.T, k *Keyring, tenant string, clk *clock) *oidc.IDTokenVerifier {
	t.Helper()
	set, err := k.JWKS(context.Background(), tenant)
	if err != nil {
		t.Fatal(err)
	}
	var pubs []crypto.PublicKey
	for _, jwk := range set.Keys {
		pubs = append(pubs, jwk.Key)
	}
	return oidc.NewVerifier(k.Issuer(tenant), &oidc.StaticKeySet{PublicKeys: pubs},
		&oidc.Config{SkipClientIDCheck: true, Now: clk.Now, SupportedSigningAlgs: []string{string(jose.ES256)}})
}

func rotateDue(t *testing.T, k *Keyring) int {
	t.Helper()
	n, err := k.RotateDue(context.Background(), testPolicy)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAutomaticRotation drives a tenant's keys through one whole cycle on
// a fake clock, on two nodes sharing a store: pre-publication, activation,
// retirement, and the next cycle; a relying party that cached the key set
// during pre-publication verifies the new key's tokens.
func TestAutomaticRotation(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	clk := &clock{t: time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC)}
	a, b := newTestKeyring(t, st, clk), newTestKeyring(t, st, clk)
	k1 := kidOf(t, issue(t, a, "acme", &Claims{Subject: "u"}))
	issue(t, b, "acme", &Claims{Subject: "u"}) // b caches the tenant too

	clk.Advance(testPolicy.Period - testPolicy.Prepublish - time.Minute)
	if n := rotateDue(t, a); n != 0 {
		t.Fatalf("%d keys scheduled a minute before pre-publication", n)
	}

	// Pre-publication: both nodes find the key due at once; one
	// successor is stored, to start at the end of the period.
	clk.Advance(time.Minute)
	var wg sync.WaitGroup
	counts := make([]int, 2)
	for i, k := range []*Keyring{a, b} {
		wg.Go(func() { counts[i] = rotateDue(t, k) })
	}
	wg.Wait()
	if counts[0]+counts[1] != 1 {
		t.Fatalf("nodes scheduled %v successors, want 1 in all", counts)
	}
	if n := rotateDue(t, a); n != 0 {
		t.Fatalf("a second pass scheduled %d more", n)
	}
	set, err := b.JWKS(ctx, "acme")
	if err != nil || len(set.Keys) != 2 {
		t.Fatalf("JWKS during pre-publication: %d keys, %v; want the signing key and its successor", len(set.Keys), err)
	}
	rp := cachedVerifier(t, b, "acme", clk)
	if kidOf(t, issue(t, b, "acme", &Claims{Subject: "u"})) != k1 {
		t.Fatal("the successor signs before its start")
	}

	// Activation: a node that loaded its keys seconds before switches at
	// the start, not a cache period later.
	start := time.Date(2031, 1, 1, 0, 0, 0, 0, time.UTC).Add(testPolicy.Period)
	clk.Advance(start.Sub(clk.Now()) - 5*time.Second)
	before := issue(t, a, "acme", &Claims{Subject: "u"})
	if kidOf(t, before) != k1 {
		t.Fatal("the successor signs 5 s before its start")
	}
	clk.Advance(5 * time.Second)
	after := issue(t, a, "acme", &Claims{Subject: "u"})
	k2 := kidOf(t, after)
	if k2 == k1 || kidOf(t, issue(t, b, "acme", &Claims{Subject: "u"})) != k2 {
		t.Fatalf("at its start the successor does not sign on both nodes (a: %s, k1: %s)", k2, k1)
	}
	if _, err := rp.Verify(ctx, after); err != nil {
		t.Fatalf("a relying party that cached the key set during pre-publication: %v", err)
	}
	if _, err := b.Verify(ctx, "acme", before); err != nil {
		t.Fatalf("a token of the old key after activation: %v", err)
	}

	// Retirement: the old key leaves the JWKS once its last token has
	// expired, and the purge deletes it.
	clk.Advance(domain.MaxAccessTokenTTL + time.Second)
	if set, _ := a.JWKS(ctx, "acme"); len(set.Keys) != 1 || set.Keys[0].KeyID != k2 {
		t.Fatalf("JWKS after retirement: %+v", set.Keys)
	}
	if _, err := cachedVerifier(t, a, "acme", clk).Verify(ctx, issue(t, a, "acme", &Claims{Subject: "u"})); err != nil {
		t.Fatal(err)
	}
	if _, err := st.(interface {
		DeleteExpired(context.Context, time.Time) (int64, error)
	}).DeleteExpired(ctx, clk.Now()); err != nil {
		t.Fatal(err)
	}
	if keys, _ := st.ListSigningKeys(ctx, "acme", start); len(keys) != 1 {
		t.Fatalf("%d key rows after the purge, want the successor's only", len(keys))
	}

	// The next cycle starts from the successor's start.
	clk.Advance(testPolicy.Period - testPolicy.Prepublish - domain.MaxAccessTokenTTL)
	if n := rotateDue(t, b); n != 1 {
		t.Fatalf("next cycle: %d keys scheduled, want 1", n)
	}
}

// TestRotationOverdue: a cluster that was down past a key's due time
// still announces the successor a whole pre-publication ahead; a rotation
// by hand in that window wins, and nothing more is scheduled.
func TestRotationOverdue(t *testing.T) {
	ctx := context.Background()
	st := newTestStore(t)
	clk := &clock{t: time.Now()}
	k := newTestKeyring(t, st, clk)
	k1 := kidOf(t, issue(t, k, "acme", &Claims{Subject: "u"}))
	clk.Advance(2 * testPolicy.Period)
	if n := rotateDue(t, k); n != 1 {
		t.Fatalf("%d keys scheduled, want 1", n)
	}
	clk.Advance(testPolicy.Prepublish - time.Second)
	if kidOf(t, issue(t, k, "acme", &Claims{Subject: "u"})) != k1 {
		t.Fatal("an overdue successor signs before a whole pre-publication")
	}
	if err := k.Rotate(ctx, "acme", ""); err != nil {
		t.Fatal(err)
	}
	manual := kidOf(t, issue(t, k, "acme", &Claims{Subject: "u"}))
	clk.Advance(time.Hour)
	if got := kidOf(t, issue(t, k, "acme", &Claims{Subject: "u"})); got != manual || manual == k1 {
		t.Fatalf("after a rotation by hand over a scheduled key, %s signs; want %s", got, manual)
	}
	if n := rotateDue(t, k); n != 0 {
		t.Fatalf("%d keys scheduled after a fresh rotation by hand", n)
	}
}

func TestRotationPolicyValidate(t *testing.T) {
	for _, p := range []RotationPolicy{{Period: -1}, {Period: 90 * 24 * time.Hour, Prepublish: -1},
		{Period: 90 * 24 * time.Hour}, {Period: 90 * 24 * time.Hour, Prepublish: time.Second},
		{Period: 2 * time.Hour, Prepublish: time.Hour}} {
		if p.Validate() == nil {
			t.Errorf("%+v accepted", p)
		}
	}
	for _, p := range []RotationPolicy{{}, testPolicy, {Period: 25 * time.Hour, Prepublish: time.Hour}} {
		if err := p.Validate(); err != nil {
			t.Errorf("%+v: %v", p, err)
		}
	}
}
