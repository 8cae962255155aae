package token

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/secret"
)

func TestRefreshTokenFormat(t *testing.T) {
	at := time.UnixMilli(1_795_000_000_123)
	tok := NewRefreshToken(at)
	if len(tok) != len(PrefixRefresh)+refreshTimeLen+opaqueBodyLen+opaqueChecksumLen || !strings.HasPrefix(tok, PrefixRefresh) {
		t.Fatalf("token %q has the wrong shape", tok)
	}
	if !CheckRefreshToken(tok) || CheckOpaque(tok, PrefixRefresh) {
		t.Fatalf("CheckRefreshToken/CheckOpaque disagree on %q", tok)
	}
	if other := NewRefreshToken(at); other == tok {
		t.Fatal("two tokens of the same millisecond are equal")
	}
	// The time digits decode to the issue time.
	var ms uint64
	for _, c := range tok[len(PrefixRefresh) : len(PrefixRefresh)+refreshTimeLen] {
		ms = ms*62 + uint64(strings.IndexRune(base62Alphabet, c))
	}
	if int64(ms) != at.UnixMilli() {
		t.Fatalf("time digits say %d, want %d", ms, at.UnixMilli())
	}
	flipped := []byte(tok)
	flipped[len(PrefixRefresh)+2] ^= 1
	if CheckRefreshToken(string(flipped)) {
		t.Fatal("a changed time digit passed the checksum")
	}
}

// Keys of later tokens sort after earlier ones, whatever their random part:
// that is what makes the store append.
func TestRefreshKeysGrowWithTime(t *testing.T) {
	start := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	prev := RefreshKey(NewRefreshToken(start))
	for i := 1; i < 1000; i++ {
		key := RefreshKey(NewRefreshToken(start.Add(time.Duration(i) * time.Millisecond)))
		if bytes.Compare(key, prev) <= 0 {
			t.Fatalf("key %d does not sort after key %d", i, i-1)
		}
		prev = key
	}
}

func TestRefreshKey(t *testing.T) {
	tok := NewRefreshToken(time.Now())
	key := RefreshKey(tok)
	if !bytes.Equal(key[:refreshTimeLen], []byte(tok[len(PrefixRefresh):len(PrefixRefresh)+refreshTimeLen])) ||
		!bytes.Equal(key[refreshTimeLen:], secret.HashToken(tok)) {
		t.Fatalf("key %x is not time digits + SHA-256", key)
	}
	// Tokens of the format without time were stored by their SHA-256;
	// their key must stay exactly that, or upgrading would end every session.
	legacy, _ := NewOpaque(PrefixRefresh)
	if !CheckRefreshToken(legacy) {
		t.Fatal("a token of the format without time is refused")
	}
	if !bytes.Equal(RefreshKey(legacy), secret.HashToken(legacy)) {
		t.Fatal("the key of a token without time is not its SHA-256")
	}
}

func TestRefreshTimeClamped(t *testing.T) {
	for _, at := range []time.Time{time.Unix(-5, 0), time.Date(9999, 1, 1, 0, 0, 0, 0, time.UTC)} {
		if tok := NewRefreshToken(at); !CheckRefreshToken(tok) {
			t.Fatalf("token for %v is malformed: %q", at, tok)
		}
	}
}
