package domain

import (
	"net/url"
	"strings"
	"testing"
)

func TestValidateRedirectURI(t *testing.T) {
	for _, tc := range []struct {
		uri string
		ok  bool
	}{
		{"https://app.example.com/callback", true},
		{"https://app.example.com/callback?x=1", true},
		{"https://app.example.com:8443/cb", true},
		{"https://xn--nxasmq6b.example/cb%20x", true},
		{"http://127.0.0.1/cb", true},
		{"http://127.0.0.1:51004/cb", true},
		{"http://[::1]:8080/cb", true},
		{"http://localhost:3000/cb", true},
		{"com.example.app:/oauth2redirect", true},
		{"com.example.app://callback", true},
		{"", false},
		{"/callback", false},                 // relative
		{"app.example.com/cb", false},        // no scheme
		{"http://app.example.com/cb", false}, // http off loopback
		{"http://127.0.0.2/cb", false},       // only the three loopback names
		{"http://localhost.evil.example/cb", false},
		{"http://127.0.0.1@evil.example/cb", false}, // userinfo: the host is evil.example
		{"https://user:pw@app.example.com/cb", false},
		{"https://app.example.com/cb#frag", false},
		{"https://app.example.com/cb#", false},
		{"https://*.example.com/cb", false},
		{"https://app.example.com/*", false},
		{"https:///cb", false},
		{"https:app.example.com", false},
		{"https://app.example.com/c b", false},
		{"https://app.example.com/\u00e9", false},
		{"https://app.example.com/\x00", false},
		{"javascript:alert(1)", false},
		{"data:text/html,hi", false},
		{"file:///etc/passwd", false},
		{"myapp:/cb", false}, // private-use schemes are reverse-DNS
		{"com..app:/cb", false},
		{"com.example.app:", false},
		{"https://app.example.com/" + strings.Repeat("a", MaxRedirectURILength), false},
	} {
		err := ValidateRedirectURI("redirectUris", tc.uri)
		if (err == nil) != tc.ok {
			t.Errorf("ValidateRedirectURI(%q) = %v, want ok %v", tc.uri, err, tc.ok)
		}
		if err != nil {
			if ie, ok := err.(*InvalidError); !ok || ie.Field != "redirectUris" {
				t.Errorf("ValidateRedirectURI(%q): %#v does not name the field", tc.uri, err)
			}
		}
	}
}

func TestValidateRedirectURIs(t *testing.T) {
	many := make([]string, MaxRedirectURIs+1)
	for i := range many {
		many[i] = "https://app.example.com/cb" + strings.Repeat("x", i)
	}
	if err := validateRedirectURIs("redirectUris", many[:MaxRedirectURIs]); err != nil {
		t.Errorf("%d URIs: %v", MaxRedirectURIs, err)
	}
	if err := validateRedirectURIs("redirectUris", many); err == nil {
		t.Errorf("%d URIs accepted", len(many))
	}
	if err := validateRedirectURIs("redirectUris", []string{"https://a.example/cb", "https://a.example/cb"}); err == nil {
		t.Error("a duplicate accepted")
	}
}

// FuzzValidateRedirectURI: whatever is accepted is an absolute URI that
// an exact match can be made against safely: printable ASCII, no
// fragment, no user information, no wildcard, http only on loopback.
func FuzzValidateRedirectURI(f *testing.F) {
	for _, s := range []string{"https://a.example/cb", "http://127.0.0.1:8080/cb", "http://[::1]/", "com.example.app:/cb",
		"http://127.0.0.1@evil/", "https://a.example/#x", "javascript:x", "http://localhost:0/", "HTTP://LOCALHOST/"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if ValidateRedirectURI("f", s) != nil {
			return
		}
		if len(s) > MaxRedirectURILength || strings.ContainsAny(s, "#* \t\r\n") {
			t.Fatalf("accepted %q", s)
		}
		u, err := url.Parse(s)
		if err != nil || u.Scheme == "" || u.User != nil || u.Fragment != "" {
			t.Fatalf("accepted %q: %+v %v", s, u, err)
		}
		switch u.Scheme {
		case "http":
			if !isLoopbackHost(u.Hostname()) {
				t.Fatalf("accepted http off loopback: %q", s)
			}
		case "https":
			if u.Hostname() == "" {
				t.Fatalf("accepted https without a host: %q", s)
			}
		default:
			if !strings.Contains(u.Scheme, ".") {
				t.Fatalf("accepted scheme %q", u.Scheme)
			}
		}
	})
}
