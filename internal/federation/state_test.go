package federation

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/secret"
)

func testSealer(t testing.TB) *secret.Sealer {
	s, err := secret.NewSealer(bytes.Repeat([]byte{9}, secret.MasterKeySize))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestStateCookie(t *testing.T) {
	sealer := testSealer(t)
	in := &flowState{State: randomString(), Nonce: randomString(), Verifier: strings.Repeat("v", 43),
		Expires: 1700000000, ReturnTo: "/oauth2/authorize?client_id=app&scope=openid+email&state=x<y>"}
	v, err := sealState(sealer, "acme", "mock", in)
	if err != nil {
		t.Fatal(err)
	}
	out, err := openState(sealer, "acme", "mock", v)
	if err != nil || *out != *in {
		t.Fatalf("round trip: %+v, %v; want %+v", out, err, in)
	}
	for _, c := range []struct{ name, tenant, provider, value string }{
		{"another provider", "acme", "other", v},
		{"another tenant", "other", "mock", v},
		{"not base64url", "acme", "mock", v + "!"},
		{"empty", "acme", "mock", ""},
		{"too long", "acme", "mock", strings.Repeat("A", maxCookieValue+1)},
	} {
		if _, err := openState(sealer, c.tenant, c.provider, c.value); !errors.Is(err, errState) {
			t.Errorf("%s: %v, want errState", c.name, err)
		}
	}

	// The largest returnTo fits a browser's cookie; a longer one, or one
	// that JSON would blow up, is refused when the sign-in begins.
	in.ReturnTo = strings.Repeat("r", MaxReturnTo)
	if v, err := sealState(sealer, "acme", "mock", in); err != nil || len(v) > maxCookieValue {
		t.Errorf("returnTo of %d bytes: %d-byte cookie, %v", MaxReturnTo, len(v), err)
	}
	for _, r := range []string{strings.Repeat("r", MaxReturnTo+1), strings.Repeat("\x01", MaxReturnTo)} {
		in.ReturnTo = r
		if _, err := sealState(sealer, "acme", "mock", in); err == nil {
			t.Errorf("returnTo of %d bytes %q… was sealed", len(r), r[:1])
		}
	}
}

// FuzzOpenState feeds the cookie decoder what a browser may send: any
// value, and any content sealed as a state (as if Begin had a bug or the
// master key leaked). It must never panic, and whatever it accepts is a
// state Begin could have made.
func FuzzOpenState(f *testing.F) {
	sealer := testSealer(f)
	good, err := sealState(sealer, "acme", "mock", &flowState{State: "s", Nonce: "n", Verifier: "v", Expires: 1, ReturnTo: "/r"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good, []byte(`{"s":"s","n":"n","v":"v","e":1,"r":"/r"}`))
	f.Add("", []byte(`{}`))
	f.Add("AQ", []byte(`{"s":"s","n":"n","v":"v","e":1e400,"r":null}`))
	f.Add(strings.Repeat("A", 100), []byte(`[]`))
	f.Fuzz(func(t *testing.T, value string, content []byte) {
		check := func(s *flowState, err error) {
			if err != nil {
				if !errors.Is(err, errState) {
					t.Fatalf("error %v is not errState", err)
				}
				return
			}
			if s.State == "" || s.Nonce == "" || s.Verifier == "" || len(s.State) > maxField ||
				len(s.Nonce) > maxField || len(s.Verifier) > maxField || len(s.ReturnTo) > MaxReturnTo {
				t.Fatalf("accepted %+v", s)
			}
		}
		check(openState(sealer, "acme", "mock", value))
		sealed, err := sealer.Seal(content, stateAD("acme", "mock"))
		if err != nil {
			t.Fatal(err)
		}
		check(parseState(content))
		check(openState(sealer, "acme", "mock", base64.RawURLEncoding.EncodeToString(sealed)))
	})
}
