package clientip

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestClientAddress(t *testing.T) {
	trusted, err := Parse([]string{"10.0.0.0/8", "192.0.2.7"})
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"direct caller keeps its address", "198.51.100.1:5000", nil, "198.51.100.1:5000"},
		{"untrusted peer cannot choose its address", "198.51.100.1:5000", []string{"203.0.113.9"}, "198.51.100.1:5000"},
		{"one trusted proxy", "10.1.2.3:4000", []string{"203.0.113.9"}, "203.0.113.9:0"},
		{"a single trusted address", "192.0.2.7:4000", []string{"203.0.113.9"}, "203.0.113.9:0"},
		{"two trusted proxies", "10.1.2.3:4000", []string{"203.0.113.9, 10.9.9.9"}, "203.0.113.9:0"},
		{"client-sent entries left of the client are ignored", "10.1.2.3:4000", []string{"1.1.1.1, 203.0.113.9"}, "203.0.113.9:0"},
		{"several headers read in order", "10.1.2.3:4000", []string{"1.1.1.1", "203.0.113.9"}, "203.0.113.9:0"},
		{"trusted peer without the header", "10.1.2.3:4000", nil, "10.1.2.3:4000"},
		{"malformed nearest hop", "10.1.2.3:4000", []string{"203.0.113.9, junk"}, "10.1.2.3:4000"},
		{"only trusted hops: the farthest", "10.1.2.3:4000", []string{"10.7.7.7, 10.8.8.8"}, "10.7.7.7:0"},
		{"IPv4-mapped peer", "[::ffff:10.1.2.3]:4000", []string{"203.0.113.9"}, "203.0.113.9:0"},
		{"IPv6 client", "10.1.2.3:4000", []string{"2001:db8::1"}, "[2001:db8::1]:0"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got string
			h := trusted.Handler(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) { got = r.RemoteAddr }))
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tc.peer
			for _, v := range tc.xff {
				r.Header.Add("X-Forwarded-For", v)
			}
			h.ServeHTTP(httptest.NewRecorder(), r)
			if got != tc.want {
				t.Errorf("RemoteAddr = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestNobodyTrustedByDefault(t *testing.T) {
	none, err := Parse(nil)
	if err != nil {
		t.Fatal(err)
	}
	next := http.NotFoundHandler()
	if h := none.Handler(next); h == nil {
		t.Fatal("nil handler")
	}
	r := httptest.NewRequest("GET", "/", nil)
	r.RemoteAddr = "127.0.0.1:1"
	r.Header.Set("X-Forwarded-For", "203.0.113.9")
	if _, ok := none.client(r); ok {
		t.Error("an empty list trusted a proxy")
	}
}

func TestParseRefusesJunk(t *testing.T) {
	for _, bad := range []string{"", "10.0.0.0/33", "example.com", "10.0.0.1:80"} {
		if _, err := Parse([]string{bad}); err == nil {
			t.Errorf("Parse(%q) accepted it", bad)
		}
	}
}

// X-Forwarded-For is untrusted input: whatever it holds, the address
// chosen is the peer's or one the header names.
func FuzzClient(f *testing.F) {
	f.Add("203.0.113.9, 10.9.9.9")
	f.Add("junk,,, ::1")
	trusted, _ := Parse([]string{"10.0.0.0/8"})
	f.Fuzz(func(t *testing.T, xff string) {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = "10.1.2.3:4000"
		r.Header.Set("X-Forwarded-For", xff)
		a, ok := trusted.client(r)
		if ok && !a.IsValid() {
			t.Fatalf("client(%q) = invalid address", xff)
		}
	})
}
