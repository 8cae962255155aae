package apitoken

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/cache"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// memStore is the Verifier's store edge, counting lookups so tests can
// prove which requests reach the database.
type memStore struct {
	mu      sync.Mutex
	tokens  map[string]domain.APIToken // by string(hash)
	users   map[string]domain.User
	roles   map[string][]string
	lookups atomic.Int64
	uses    []domain.APITokenUse
	failUse bool
	down    error // every lookup fails with it
}

func (m *memStore) GetAPITokenByHash(_ context.Context, tenant string, h []byte) (*domain.APIToken, error) {
	m.lookups.Add(1)
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.down != nil {
		return nil, m.down
	}
	t, ok := m.tokens[string(h)]
	if !ok || t.Tenant != tenant {
		return nil, domain.ErrNotFound
	}
	return &t, nil
}

func (m *memStore) GetUserWithScopes(_ context.Context, tenant, id string) (*domain.User, []string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	u, ok := m.users[id]
	if !ok || u.Tenant != tenant {
		return nil, nil, domain.ErrNotFound
	}
	var held []string
	for _, r := range u.Roles {
		held = append(held, m.roles[r]...)
	}
	return &u, held, nil
}

func (m *memStore) RecordAPITokenUses(_ context.Context, uses []domain.APITokenUse) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.failUse {
		return errors.New("db down")
	}
	m.uses = append(m.uses, uses...)
	return nil
}

func (m *memStore) AddRevocation(context.Context, *domain.Revocation) error { return nil }
func (m *memStore) RevocationsSince(context.Context, int64, int) ([]domain.Revocation, error) {
	return nil, nil
}

func setup(t testing.TB) (*memStore, *Verifier, *token.Revocations, string) {
	raw, _ := token.NewOpaque(token.PrefixAPI)
	m := &memStore{
		tokens: map[string]domain.APIToken{string(secret.HashToken(raw)): {
			Tenant: "acme", UserID: "john", ID: "ci", Hash: secret.HashToken(raw),
			Scopes: []string{"orders:read", "orders:write"}, CreatedAt: time.Unix(1, 0),
		}},
		users: map[string]domain.User{"john": {Tenant: "acme", ID: "john", Roles: []string{"reader"}}},
		roles: map[string][]string{"reader": {"orders:read"}},
	}
	rev := token.NewRevocations(m, nil)
	return m, NewVerifier(m, rev, Config{CacheTTL: time.Minute}), rev, raw
}

func TestLookup(t *testing.T) {
	ctx := context.Background()
	m, v, rev, raw := setup(t)

	id, err := v.Lookup(ctx, "acme", raw)
	if err != nil {
		t.Fatal(err)
	}
	// orders:write is on the token but no longer held by the user.
	if id.UserID != "john" || id.TokenID != "ci" || len(id.Scopes) != 1 || id.Scopes[0] != "orders:read" {
		t.Fatalf("identity = %+v", id)
	}
	if _, err := v.Lookup(ctx, "acme", raw); err != nil {
		t.Fatal(err)
	}
	if n := m.lookups.Load(); n != 1 {
		t.Fatalf("%d store lookups for two requests, want 1 (cached)", n)
	}

	t.Run("malformed and bad checksum need no lookup", func(t *testing.T) {
		before := m.lookups.Load()
		for _, bad := range []string{"", "tgp_", "tgr_" + raw[4:], token.Tampered(raw), raw + "a", "tgp_" + raw[5:] + "0"} {
			if _, err := v.Lookup(ctx, "acme", bad); !errors.Is(err, ErrInvalid) {
				t.Errorf("Lookup(%q) = %v, want ErrInvalid", bad, err)
			}
		}
		if m.lookups.Load() != before {
			t.Fatal("a malformed token reached the store")
		}
	})
	t.Run("other tenant", func(t *testing.T) {
		if _, err := v.Lookup(ctx, "other", raw); !errors.Is(err, ErrInvalid) {
			t.Fatalf("got %v", err)
		}
	})
	t.Run("revoked fails at once despite the cache", func(t *testing.T) {
		other, _ := token.NewOpaque(token.PrefixAPI)
		rev.Noted(domain.Revocation{Tenant: "acme", Kind: domain.RevokeAPIToken,
			Value: hex.EncodeToString(secret.HashToken(other)), ExpiresAt: time.Now().Add(time.Hour)})
		if _, err := v.Lookup(ctx, "acme", raw); err != nil {
			t.Fatalf("unrelated revocation: %v", err)
		}
		rev.Noted(domain.Revocation{Tenant: "acme", Kind: domain.RevokeAPIToken,
			Value: hex.EncodeToString(secret.HashToken(raw)), ExpiresAt: time.Now().Add(time.Hour)})
		if _, err := v.Lookup(ctx, "acme", raw); !errors.Is(err, ErrInvalid) {
			t.Fatalf("revoked token: %v", err)
		}
	})
}

func TestLookupExpiredDisabledForgotten(t *testing.T) {
	ctx := context.Background()
	m, v, _, raw := setup(t)
	now := time.Now()
	v.now = func() time.Time { return now }
	exp := now.Add(time.Minute)
	m.mu.Lock()
	tok := m.tokens[string(secret.HashToken(raw))]
	tok.ExpiresAt = &exp
	m.tokens[string(secret.HashToken(raw))] = tok
	m.mu.Unlock()
	if _, err := v.Lookup(ctx, "acme", raw); err != nil {
		t.Fatal(err)
	}
	now = exp
	if _, err := v.Lookup(ctx, "acme", raw); !errors.Is(err, ErrInvalid) {
		t.Fatalf("expired: %v", err)
	}
	now = exp.Add(-time.Second)
	m.mu.Lock()
	u := m.users["john"]
	u.Disabled = true
	m.users["john"] = u
	m.mu.Unlock()
	// The user's change reaches the verifier through the change feed.
	if err := v.Changed(ctx, domain.Change{Tenant: "acme", Entity: domain.EntityUser, ID: "john"}); err != nil {
		t.Fatal(err)
	}
	if _, err := v.Lookup(ctx, "acme", raw); !errors.Is(err, ErrInvalid) {
		t.Fatalf("disabled user: %v", err)
	}
}

func TestFlushBatchesUses(t *testing.T) {
	ctx := context.Background()
	m, v, _, raw := setup(t)
	t0 := time.Unix(1000, 0)
	now := t0
	v.now = func() time.Time { return now }
	for i := range 100 {
		now = t0.Add(time.Duration(i) * time.Second)
		if _, err := v.Lookup(ctx, "acme", raw); err != nil {
			t.Fatal(err)
		}
	}
	if v.Pending() != 1 || len(m.uses) != 0 {
		t.Fatalf("pending %d, written %d before a flush", v.Pending(), len(m.uses))
	}
	m.failUse = true
	if err := v.Flush(ctx); err == nil {
		t.Fatal("flush to a failing store succeeded")
	}
	if v.Pending() != 1 {
		t.Fatal("failed flush lost the uses")
	}
	m.failUse = false
	if err := v.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if len(m.uses) != 1 || !m.uses[0].At.Equal(t0.Add(99*time.Second)) || m.uses[0].ID != "ci" {
		t.Fatalf("uses = %+v, want one with the last time", m.uses)
	}
	if v.Pending() != 0 {
		t.Fatal("pending after flush")
	}
}

// BenchmarkLookup measures a cached lookup: checksum, hash, revocation
// check, cache hit, constant-time compare and noting the use.
func BenchmarkLookup(b *testing.B) {
	ctx := context.Background()
	_, v, _, raw := setup(b)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := v.Lookup(ctx, "acme", raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// FuzzLookup feeds arbitrary bearer strings to the verifier: nothing
// panics, only well-formed tokens reach the store, and only the real token
// is accepted.
func FuzzLookup(f *testing.F) {
	_, v, _, raw := setup(f)
	f.Add(raw)
	f.Add(raw[:len(raw)-1] + "A")
	f.Add("tgp_")
	f.Add("")
	f.Add(strings.Repeat("\xff", len(raw)))
	m := v.st.(*memStore)
	f.Fuzz(func(t *testing.T, s string) {
		before := m.lookups.Load()
		id, err := v.Lookup(context.Background(), "acme", s)
		wellFormed := token.CheckOpaque(s, token.PrefixAPI)
		if !wellFormed && m.lookups.Load() != before {
			t.Fatalf("malformed %q reached the store", s)
		}
		if err == nil && (s != raw || id.UserID != "john") {
			t.Fatalf("accepted %q", s)
		}
		if s != raw && !errors.Is(err, ErrInvalid) {
			t.Fatalf("Lookup(%q) = %v, want ErrInvalid", s, err)
		}
	})
}

// TestLookupDatabaseDown: while the database is unavailable a token this
// node has looked up before keeps working after its cache entry expired,
// an unknown one gets the error (no guessing), and other store failures
// are not papered over.
func TestLookupDatabaseDown(t *testing.T) {
	ctx := context.Background()
	m, v, _, raw := setup(t)
	v.cache = cache.New[cacheKey, *entry](time.Millisecond, 10)
	if _, err := v.Lookup(ctx, "acme", raw); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond) // the entry expires
	unknown, _ := token.NewOpaque(token.PrefixAPI)
	for _, tc := range []struct {
		name    string
		down    error
		raw     string
		wantErr bool
	}{
		{"known token, database unavailable", fmt.Errorf("x: %w", domain.ErrUnavailable), raw, false},
		{"unknown token, database unavailable", domain.ErrUnavailable, unknown, true},
		{"known token, other failure", errors.New("disk on fire"), raw, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m.mu.Lock()
			m.down = tc.down
			m.mu.Unlock()
			id, err := v.Lookup(ctx, "acme", tc.raw)
			if (err != nil) != tc.wantErr || errors.Is(err, ErrInvalid) {
				t.Fatalf("Lookup = %+v, %v; want an error: %v (never ErrInvalid)", id, err, tc.wantErr)
			}
			if err == nil && id.UserID != "john" {
				t.Fatalf("identity = %+v", id)
			}
		})
	}
}
