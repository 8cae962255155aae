package secret

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestSealer(t *testing.T) {
	s, err := NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	other, _ := NewSealer(bytes.Repeat([]byte{8}, 32))
	pt, ad := []byte("private key bytes"), []byte("acme/kid1")
	sealed, err := s.Seal(pt, ad)
	if err != nil {
		t.Fatal(err)
	}
	if sealed[0] != sealV1 || bytes.Contains(sealed, pt) {
		t.Fatalf("unexpected sealed form %x", sealed)
	}
	again, _ := s.Seal(pt, ad)
	if bytes.Equal(sealed, again) {
		t.Fatal("two seals are equal: nonce not random")
	}
	got, err := s.Open(sealed, ad)
	if err != nil || !bytes.Equal(got, pt) {
		t.Fatalf("round trip: %q %v", got, err)
	}

	flip := func(i int) []byte {
		c := bytes.Clone(sealed)
		c[i] ^= 1
		return c
	}
	tests := []struct {
		name   string
		s      *Sealer
		sealed []byte
		ad     []byte
	}{
		{"tampered ciphertext", s, flip(len(sealed) - 20), ad},
		{"tampered tag", s, flip(len(sealed) - 1), ad},
		{"tampered nonce", s, flip(3), ad},
		{"unknown version", s, flip(0), ad},
		{"wrong associated data", s, sealed, []byte("other/kid1")},
		{"no associated data", s, sealed, nil},
		{"other master key", other, sealed, ad},
		{"truncated", s, sealed[:20], ad},
		{"empty", s, nil, ad},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := tc.s.Open(tc.sealed, tc.ad); !errors.Is(err, ErrUnseal) {
				t.Fatalf("got %v, want ErrUnseal", err)
			}
		})
	}
}

func TestNewSealerKeyLength(t *testing.T) {
	for _, n := range []int{0, 16, 31, 33} {
		if _, err := NewSealer(make([]byte, n)); err == nil {
			t.Errorf("accepted a %d-byte key", n)
		}
	}
}

func TestMasterKeyFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "sub", "master.key")
	k1, err := LoadOrCreateMasterKey(path)
	if err != nil || len(k1) != 32 {
		t.Fatalf("create: %x %v", k1, err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Fatalf("mode %v, want 0600", fi.Mode().Perm())
	}
	k2, err := LoadOrCreateMasterKey(path)
	if err != nil || !bytes.Equal(k1, k2) {
		t.Fatalf("reload gave another key: %v", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}

	tests := []struct{ name, content, want string }{
		{"wrong length", strings.Repeat("ab", 16) + "\n", "want 64 hex digits"},
		{"raw bytes", string(make([]byte, 32)), "want 64 hex digits"},
		{"not hex", strings.Repeat("zz", 32), "not hex"},
		{"empty", "", "want 64 hex digits"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(dir, tc.name)
			if err := os.WriteFile(p, []byte(tc.content), 0o600); err != nil {
				t.Fatal(err)
			}
			_, err := LoadOrCreateMasterKey(p)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want error containing %q", err, tc.want)
			}
		})
	}
}

func TestMasterKeyConcurrentCreate(t *testing.T) {
	path := filepath.Join(t.TempDir(), "master.key")
	keys := make([][]byte, 8)
	var wg sync.WaitGroup
	for i := range keys {
		wg.Add(1)
		go func() {
			defer wg.Done()
			k, err := LoadOrCreateMasterKey(path)
			if err != nil {
				t.Error(err)
			}
			keys[i] = k
		}()
	}
	wg.Wait()
	for _, k := range keys[1:] {
		if !bytes.Equal(k, keys[0]) {
			t.Fatal("concurrent creators disagree on the key")
		}
	}
}
