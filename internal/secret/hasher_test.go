package secret

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/crypto/bcrypt"
)

// cheap keeps tests fast; cost is not what they check.
var cheap = Params{Memory: 64, Time: 1, Threads: 1}

func TestHashVerify(t *testing.T) {
	ctx := context.Background()
	h := NewHasher(cheap, 2, time.Second)
	enc, err := h.Hash(ctx, "correct horse")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(enc, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("unexpected encoding %q", enc)
	}
	other := NewHasher(Params{Memory: 128, Time: 1, Threads: 1}, 2, time.Second)
	bc, err := bcrypt.GenerateFromPassword([]byte("correct horse"), bcrypt.MinCost)
	if err != nil {
		t.Fatal(err)
	}

	tests := []struct {
		name       string
		h          *Hasher
		password   string
		encoded    string
		ok, rehash bool
	}{
		{"right password", h, "correct horse", enc, true, false},
		{"wrong password", h, "correct horsE", enc, false, false},
		{"empty password", h, "", enc, false, false},
		{"other params ask for rehash", other, "correct horse", enc, true, true},
		{"other params, wrong password", other, "nope", enc, false, false},
		{"bcrypt import asks for rehash", h, "correct horse", string(bc), true, true},
		{"bcrypt wrong password", h, "nope", string(bc), false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, rehash, err := tc.h.Verify(ctx, tc.password, tc.encoded)
			if err != nil {
				t.Fatal(err)
			}
			if ok != tc.ok || rehash != tc.rehash {
				t.Fatalf("got ok=%v rehash=%v, want ok=%v rehash=%v", ok, rehash, tc.ok, tc.rehash)
			}
		})
	}
}

func TestHashSaltsDiffer(t *testing.T) {
	h := NewHasher(cheap, 1, time.Second)
	a, _ := h.Hash(context.Background(), "pw")
	b, _ := h.Hash(context.Background(), "pw")
	if a == b {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

func TestVerifyMalformed(t *testing.T) {
	const salt, key = "c29tZXNhbHRzb21lc2FsdA", "aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g"
	tests := []struct{ name, encoded string }{
		{"empty", ""},
		{"plain text", "hunter2"},
		{"argon2i", "$argon2i$v=19$m=64,t=1,p=1$" + salt + "$" + key},
		{"old version", "$argon2id$v=16$m=64,t=1,p=1$" + salt + "$" + key},
		{"no version", "$argon2id$m=64,t=1,p=1$" + salt + "$" + key},
		{"params out of order", "$argon2id$v=19$t=1,m=64,p=1$" + salt + "$" + key},
		{"zero time", "$argon2id$v=19$m=64,t=0,p=1$" + salt + "$" + key},
		{"zero threads", "$argon2id$v=19$m=64,t=1,p=0$" + salt + "$" + key},
		{"threads overflow uint8", "$argon2id$v=19$m=64,t=1,p=257$" + salt + "$" + key},
		{"huge memory", "$argon2id$v=19$m=4294967295,t=1,p=1$" + salt + "$" + key},
		{"huge time", "$argon2id$v=19$m=64,t=100000,p=1$" + salt + "$" + key},
		{"negative", "$argon2id$v=19$m=-64,t=1,p=1$" + salt + "$" + key},
		{"bad salt", "$argon2id$v=19$m=64,t=1,p=1$!!!$" + key},
		{"padded salt", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "==$" + key},
		{"short hash", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$aGFzaA"},
		{"missing hash", "$argon2id$v=19$m=64,t=1,p=1$" + salt},
		{"extra field", "$argon2id$v=19$m=64,t=1,p=1$" + salt + "$" + key + "$x"},
		{"bcrypt garbage", "$2b$99$abc"},
	}
	h := NewHasher(cheap, 1, time.Second)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, _, err := h.Verify(context.Background(), "pw", tc.encoded)
			if ok || !errors.Is(err, ErrMalformedHash) {
				t.Fatalf("got ok=%v err=%v, want ErrMalformedHash", ok, err)
			}
			if err != nil && strings.Contains(err.Error(), tc.encoded) && tc.encoded != "" {
				t.Fatal("error echoes the hash")
			}
		})
	}
}

func TestVerifyDummy(t *testing.T) {
	h := NewHasher(cheap, 1, time.Second)
	if err := h.VerifyDummy(context.Background(), "anything"); err != nil {
		t.Fatal(err)
	}
	// The dummy hash carries the Hasher's own parameters, so its cost is
	// that of a real verification.
	ph, err := parsePHC(h.dummy, h.limits)
	if err != nil || ph.params != cheap {
		t.Fatalf("dummy hash %q: params %+v err %v", h.dummy, ph, err)
	}
}

func TestOverload(t *testing.T) {
	h := NewHasher(cheap, 1, 20*time.Millisecond)
	// Hold the only slot, as a slow hash would.
	if err := h.acquire(context.Background()); err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	_, err := h.Hash(context.Background(), "pw")
	if !errors.Is(err, ErrOverloaded) {
		t.Fatalf("got %v, want ErrOverloaded", err)
	}
	if d := time.Since(start); d < 20*time.Millisecond {
		t.Fatalf("gave up after %v, before maxWait", d)
	}
	if _, _, err := h.Verify(context.Background(), "pw", h.dummy); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("Verify: got %v, want ErrOverloaded", err)
	}

	// A cancelled context ends the wait with the context's error.
	ctx, cancel := context.WithCancel(context.Background())
	h2 := NewHasher(cheap, 1, time.Hour)
	_ = h2.acquire(ctx)
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		_, err := h2.Hash(ctx, "pw")
		if !errors.Is(err, context.Canceled) {
			t.Errorf("got %v, want context.Canceled", err)
		}
	}()
	waitFor(t, func() bool { return h2.QueueDepth() == 1 })
	cancel()
	wg.Wait()
	if d := h2.QueueDepth(); d != 0 {
		t.Fatalf("QueueDepth after cancel = %d", d)
	}

	// The slot coming free lets a waiter through.
	h.release()
	if _, err := h.Hash(context.Background(), "pw"); err != nil {
		t.Fatal(err)
	}
}

func TestNoWaitMeansImmediateOverload(t *testing.T) {
	h := NewHasher(cheap, 1, 0)
	_ = h.acquire(context.Background())
	if _, err := h.Hash(context.Background(), "pw"); !errors.Is(err, ErrOverloaded) {
		t.Fatalf("got %v, want ErrOverloaded", err)
	}
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(time.Millisecond) {
		if cond() {
			return
		}
	}
	t.Fatal("condition not reached")
}

func TestHashTokenEqual(t *testing.T) {
	a, b := HashToken("tgr_abc"), HashToken("tgr_abc")
	if len(a) != 32 || !Equal(a, b) {
		t.Fatal("HashToken not a stable SHA-256")
	}
	if Equal(a, HashToken("tgr_abd")) || Equal(a, a[:31]) || Equal(nil, a) {
		t.Fatal("Equal accepted different values")
	}
}

func FuzzVerifyPassword(f *testing.F) {
	h := NewHasher(cheap, 1, time.Second)
	// Keep fuzzing fast: a hostile-but-valid cost should be refused or
	// cheap, never minutes of work.
	h.limits = limits{maxMemory: 256, maxTime: 2, maxThreads: 2}
	good, _ := h.Hash(context.Background(), "pw")
	f.Add("pw", good)
	f.Add("pw", "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHQ$aGFzaGhhc2hoYXNoaGFzaA")
	f.Add("pw", "$argon2id$v=19$m=,t=,p=$$")
	f.Add("pw", "$2b$04$abcdefghijklmnopqrstuu")
	f.Add("", "$$$$$")
	f.Fuzz(func(t *testing.T, password, encoded string) {
		ok, _, err := h.Verify(context.Background(), password, encoded)
		if ok && err != nil {
			t.Fatal("ok with error")
		}
		if err != nil && !errors.Is(err, ErrMalformedHash) {
			t.Fatalf("unexpected error kind: %v", err)
		}
	})
}

func BenchmarkHashPassword(b *testing.B) {
	h := NewHasher(DefaultParams, 0, time.Minute)
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := h.Hash(ctx, "correct horse battery staple"); err != nil {
				b.Fatal(err)
			}
		}
	})
}
