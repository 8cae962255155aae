package authheader

import (
	"errors"
	"net/http"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		name   string
		header []string // Authorization values; nil: none
		want   Credentials
		bad    bool
	}{
		{"no header", nil, Credentials{}, false},
		{"bearer", []string{"Bearer abc.DEF-_~+/="}, Credentials{Bearer, "abc.DEF-_~+/="}, false},
		{"scheme in any case", []string{"bEARER abc"}, Credentials{Bearer, "abc"}, false},
		{"basic", []string{"Basic YTpi"}, Credentials{Basic, "YTpi"}, false},
		{"basic in lower case", []string{"basic YTpi"}, Credentials{Basic, "YTpi"}, false},
		{"other scheme", []string{"Digest username=\"a\", realm=\"b\""}, Credentials{"Digest", "username=\"a\", realm=\"b\""}, false},
		{"other scheme alone", []string{"Negotiate"}, Credentials{"Negotiate", ""}, false},
		{"two headers", []string{"Bearer abc", "Bearer abc"}, Credentials{}, true},
		{"two headers, one empty", []string{"Bearer abc", ""}, Credentials{}, true},
		{"bearer and two spaces", []string{"Bearer  abc"}, Credentials{}, true},
		{"basic and two spaces", []string{"Basic  YTpi"}, Credentials{}, true},
		{"bearer and a tab", []string{"Bearer\tabc"}, Credentials{}, true},
		{"trailing space", []string{"Bearer abc "}, Credentials{}, true},
		{"two tokens", []string{"Bearer abc def"}, Credentials{}, true},
		{"comma-joined headers", []string{"Bearer abc, Bearer def"}, Credentials{}, true},
		{"bearer without token", []string{"Bearer"}, Credentials{}, true},
		{"bearer and a space only", []string{"Bearer "}, Credentials{}, true},
		{"padding only", []string{"Bearer =="}, Credentials{}, true},
		{"padding inside", []string{"Bearer ab=c"}, Credentials{}, true},
		{"non-ASCII token", []string{"Bearer abç"}, Credentials{}, true},
		{"empty header", []string{""}, Credentials{}, true},
		{"leading space", []string{" Bearer abc"}, Credentials{}, true},
		{"too large", []string{"Bearer " + strings.Repeat("a", MaxLen)}, Credentials{}, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := http.Header{}
			for _, v := range tc.header {
				h.Add("Authorization", v)
			}
			got, err := Parse(h)
			if tc.bad {
				if !errors.Is(err, ErrMalformed) {
					t.Fatalf("Parse = %+v, %v; want ErrMalformed", got, err)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Parse = %+v, %v; want %+v", got, err, tc.want)
			}
		})
	}
}

// FuzzParseValue: no input panics; what Bearer and Basic accept is one
// token without spaces that reads back the same, and every refusal is
// ErrMalformed.
func FuzzParseValue(f *testing.F) {
	for _, s := range []string{"Bearer abc", "Basic YTpi", "Bearer  abc", "bearer a=", "Digest x=y", "", "Bearer", "a b c"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, v string) {
		c, err := ParseValue(v)
		if err != nil {
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
			return
		}
		if c.Scheme == "" || strings.ContainsAny(c.Scheme, " \t") {
			t.Fatalf("scheme %q", c.Scheme)
		}
		if c.Scheme != Bearer && c.Scheme != Basic {
			return
		}
		if c.Token == "" || strings.ContainsAny(c.Token, " \t,") {
			t.Fatalf("%s token %q", c.Scheme, c.Token)
		}
		if again, err := ParseValue(c.Scheme + " " + c.Token); err != nil || again != c {
			t.Fatalf("round trip: %+v, %v; want %+v", again, err, c)
		}
	})
}
