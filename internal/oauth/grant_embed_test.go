package oauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
)

// The README's worked example; openssl computes the same value:
//
//	printf '%s' 'embed_nonce=3f2a9c&user_email=sso.user@example.com&timestamp=1767225600' |
//	  openssl dgst -sha256 -hmac 'tge_exampleEmbedSecret' -binary | base64
const (
	readmeSecret    = "tge_exampleEmbedSecret"
	readmeNonce     = "3f2a9c"
	readmeUser      = "SSO.User@example.com"
	readmeTimestamp = "1767225600"
	readmeSignature = "+HvWSlTg8oGVc1OHovJxqUfBmk0BFs5QX7nruET0xHk="
)

func TestEmbedSignatureReadmeExample(t *testing.T) {
	got := EmbedSignature(readmeSecret, readmeNonce, readmeUser, readmeTimestamp)
	if got != readmeSignature {
		t.Fatalf("EmbedSignature = %s, want the README's %s", got, readmeSignature)
	}
	// Independently: the message is lower-cased before signing.
	mac := hmac.New(sha256.New, []byte(readmeSecret))
	mac.Write([]byte("embed_nonce=3f2a9c&user_email=sso.user@example.com&timestamp=1767225600"))
	if want := base64.StdEncoding.EncodeToString(mac.Sum(nil)); got != want {
		t.Fatalf("EmbedSignature = %s, want %s", got, want)
	}
	if _, err := parseSignedEmbed(readmeNonce, readmeTimestamp, readmeSignature); err != nil {
		t.Fatal(err)
	}
}

func TestParseSignedEmbedRefuses(t *testing.T) {
	sig := readmeSignature
	for name, c := range map[string][3]string{
		"missing nonce":       {"", readmeTimestamp, sig},
		"nonce with &":        {"a&user_email=x", readmeTimestamp, sig},
		"nonce with space":    {"a b", readmeTimestamp, sig},
		"long nonce":          {strings.Repeat("n", 129), readmeTimestamp, sig},
		"negative timestamp":  {"n", "-5", sig},
		"decimal timestamp":   {"n", "1.5", sig},
		"huge timestamp":      {"n", "9999999999999", sig},
		"signature not b64":   {"n", readmeTimestamp, "!!!"},
		"signature too short": {"n", readmeTimestamp, base64.StdEncoding.EncodeToString([]byte("short"))},
	} {
		if _, err := parseSignedEmbed(c[0], c[1], c[2]); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

// FuzzSignedEmbedParams: the check of the signed form's parameters never
// panics, and what it accepts is what the grant relies on: a nonce that
// cannot break the signed message apart, a bounded timestamp and a
// 32-byte signature.
func FuzzSignedEmbedParams(f *testing.F) {
	f.Add(readmeNonce, readmeTimestamp, readmeSignature)
	f.Add("n", "0", "AAAA")
	f.Add("x=y", "12", strings.Repeat("A", 43))
	f.Fuzz(func(t *testing.T, nonce, timestamp, signature string) {
		s, err := parseSignedEmbed(nonce, timestamp, signature)
		if err != nil {
			if _, ok := err.(*Error); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		if strings.ContainsAny(s.nonce, "&= ") || len(s.nonce) == 0 || len(s.nonce) > 128 {
			t.Fatalf("accepted nonce %q", s.nonce)
		}
		if s.unix < 0 || len(s.timestamp) > 12 || len(s.signature) != sha256.Size {
			t.Fatalf("accepted %+v", s)
		}
	})
}
