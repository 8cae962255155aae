package domain

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/secure/precis"
)

func TestNormalizeUsername(t *testing.T) {
	for _, c := range []struct{ name, in, want string }{
		{"already normal", "john.doe", "john.doe"},
		{"upper case", "John.Doe", "john.doe"},
		{"fullwidth letter", "Ｊohn.doe", "john.doe"},
		{"email as name", "SSO.User@example.com", "sso.user@example.com"},
		{"composed by NFC", "jose\u0301", "jos\u00e9"},
		{"non-ASCII letters", "Ärger", "ärger"},
		{"longest", strings.Repeat("a", 255), strings.Repeat("a", 255)},
		{"fullwidth shrinks to fit", strings.Repeat("Ａ", 255), strings.Repeat("a", 255)},
	} {
		got, err := NormalizeUsername(c.in)
		if err != nil || got != c.want {
			t.Errorf("%s: NormalizeUsername(%q) = %q, %v; want %q", c.name, c.in, got, err, c.want)
		}
	}
	for _, c := range []struct{ name, in string }{
		{"empty", ""},
		{"zero-width space", "john\u200bdoe"},
		{"space", "john doe"},
		{"control", "john\x00"},
		{"too long", strings.Repeat("a", 256)},
		{"too long before mapping", strings.Repeat("Ａ", 400)},
		{"huge", strings.Repeat("a", 30<<20)},
		{"invalid UTF-8", "jo\xffhn"},
	} {
		if got, err := NormalizeUsername(c.in); err == nil || !IsInvalid(err) {
			t.Errorf("%s: NormalizeUsername = %q, %v; want an InvalidError", c.name, got, err)
		} else if f := err.(*InvalidError).Field; f != "id" {
			t.Errorf("%s: field %q, want id", c.name, f)
		}
	}
}

// FuzzNormalizeUsername: any input gives either an error or a name that
// is valid UTF-8, bounded, a fixed point (normalising it again changes
// nothing) and equal under the PRECIS comparison to the input.
func FuzzNormalizeUsername(f *testing.F) {
	for _, s := range []string{"john.doe", "Ｊohn.doe", "john\u200bdoe", "SSO.User@example.com", "ß", "ΣΑΣ", "\u0130", "a\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := NormalizeUsername(s)
		if err != nil {
			return
		}
		if !utf8.ValidString(n) || n == "" || len(n) > maxUsernameBytes {
			t.Fatalf("NormalizeUsername(%q) = %q", s, n)
		}
		if again, err := NormalizeUsername(n); err != nil || again != n {
			t.Fatalf("not idempotent: %q -> %q -> %q, %v", s, n, again, err)
		}
		if !precis.UsernameCaseMapped.Compare(s, n) {
			t.Fatalf("%q and its normal form %q do not compare equal", s, n)
		}
	})
}

// BenchmarkNormalizeUsername measures the cost every password and embed
// sign-in pays.
func BenchmarkNormalizeUsername(b *testing.B) {
	for _, c := range []struct{ name, in string }{
		{"ascii normal", "john.doe@example.com"},
		{"mixed case", "SSO.User@example.com"},
		{"fullwidth", "Ｊｏｈｎ.ｄｏｅ"},
	} {
		b.Run(c.name, func(b *testing.B) {
			for b.Loop() {
				if _, err := NormalizeUsername(c.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
