package token

import (
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

func TestOpaque(t *testing.T) {
	tok, err := NewOpaque(PrefixRefresh)
	if err != nil {
		t.Fatal(err)
	}
	if len(tok) != len(PrefixRefresh)+49 || !strings.HasPrefix(tok, PrefixRefresh) {
		t.Fatalf("unexpected format %q", tok)
	}
	other, _ := NewOpaque(PrefixRefresh)
	if other == tok {
		t.Fatal("two tokens are equal")
	}
	flip := func(i int) string {
		b := []byte(tok)
		if b[i] == 'a' {
			b[i] = 'b'
		} else {
			b[i] = 'a'
		}
		return string(b)
	}
	body := tok[len(PrefixRefresh):]
	tests := []struct {
		name   string
		s      string
		prefix string
		want   bool
	}{
		{"valid", tok, PrefixRefresh, true},
		{"wrong prefix", tok, PrefixAPI, false},
		{"prefix swapped", PrefixAPI + body, PrefixAPI, false},
		{"body char flipped", flip(10), PrefixRefresh, false},
		{"checksum char flipped", flip(len(tok) - 1), PrefixRefresh, false},
		{"truncated", tok[:len(tok)-1], PrefixRefresh, false},
		{"extended", tok + "a", PrefixRefresh, false},
		{"non-base62 char", tok[:10] + "-" + tok[11:], PrefixRefresh, false},
		{"empty", "", PrefixRefresh, false},
		{"prefix only", PrefixRefresh, PrefixRefresh, false},
		{"multibyte", PrefixRefresh + strings.Repeat("é", 24) + "a", PrefixRefresh, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CheckOpaque(tc.s, tc.prefix); got != tc.want {
				t.Fatalf("CheckOpaque = %v, want %v", got, tc.want)
			}
		})
	}
}

func TestOpaqueAlphabetUniform(t *testing.T) {
	// Every base62 character shows up; a bias bug (b%62 on all 256 byte
	// values) would still pass this, but a broken alphabet would not.
	seen := map[rune]bool{}
	for range 200 {
		tok, _ := NewOpaque("")
		for _, c := range tok[:opaqueBodyLen] {
			seen[c] = true
		}
	}
	if len(seen) != 62 {
		t.Fatalf("saw %d distinct characters, want 62", len(seen))
	}
}

func TestNewClientID(t *testing.T) {
	id := NewClientID()
	if len(id) < 26 || strings.ContainsAny(id, ":/?#%+ ") || id == NewClientID() {
		t.Fatalf("bad client id %q", id)
	}
}

func TestIssuerURL(t *testing.T) {
	tests := []struct{ name, base, tenant, want string }{
		{"default tenant", "https://auth.example.com", domain.DefaultTenant, "https://auth.example.com"},
		{"default tenant, trailing slash", "https://auth.example.com/", domain.DefaultTenant, "https://auth.example.com"},
		{"other tenant", "https://auth.example.com", "acme", "https://auth.example.com/acme"},
		{"other tenant, trailing slash", "https://auth.example.com/", "acme", "https://auth.example.com/acme"},
		{"base with path", "https://example.com/tg/", "acme", "https://example.com/tg/acme"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := IssuerURL(tc.base, tc.tenant); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func FuzzCheckOpaque(f *testing.F) {
	tok, _ := NewOpaque(PrefixAPI)
	f.Add(tok, PrefixAPI)
	f.Add(tok, "")
	f.Add("", "")
	f.Add("tgp_", "tgp_")
	f.Add(strings.Repeat("\xff", 53), PrefixAPI)
	f.Add(NewRefreshToken(time.Now()), PrefixRefresh)
	f.Fuzz(func(t *testing.T, s, prefix string) {
		if CheckOpaque(s, prefix) && !strings.HasPrefix(s, prefix) {
			t.Fatal("accepted a token without its prefix")
		}
		if CheckRefreshToken(s) && (!strings.HasPrefix(s, PrefixRefresh) || len(RefreshKey(s)) < 32) {
			t.Fatalf("accepted %q as a refresh token", s)
		}
	})
}

func BenchmarkCheckOpaque(b *testing.B) {
	tok, _ := NewOpaque(PrefixAPI)
	b.ReportAllocs()
	for b.Loop() {
		if !CheckOpaque(tok, PrefixAPI) {
			b.Fatal("rejected")
		}
	}
}

func BenchmarkNewOpaque(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, _ = NewOpaque(PrefixAPI)
	}
}
