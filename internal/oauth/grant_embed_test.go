package oauth

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
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

// TestEmbedGrant: the plain and signed forms (DESIGN §2), one answer for
// every refusal of a credential, and the nonce redeemed only by a request
// good in every other respect.
func TestEmbedGrant(t *testing.T) {
	e := newTestEnv(t)
	now := time.Now()
	refused := "authorization_failed"
	withParam := func(c call, kv ...string) call {
		f := c.form
		for i := 0; i+1 < len(kv); i += 2 {
			f.Set(kv[i], kv[i+1])
		}
		return c
	}
	e.run(t, []tokenCase{
		{name: "plain form: the embed application, its scopes within the user's roles, a refresh token", call: call{form: embedForm("john.doe")},
			check: func(t *testing.T, e *testEnv, r *TokenResponse) {
				c := e.claims(t, domain.DefaultTenant, r.AccessToken)
				if r.Scope != "orders:read" || c.ClientID != domain.EmbedApplicationID || c.Subject != "john.doe" || r.RefreshToken == "" {
					t.Fatalf("response %+v, claims %+v", r, c)
				}
			}},
		{name: "plain form: scopes within the roles", call: withParam(call{form: embedForm("john.doe")}, "scope", "orders:read orders:write"),
			check: wantScope("orders:read")},
		{name: "plain form: a name in another case", call: call{form: embedForm("John.Doe")}},
		{name: "signed form for an unknown user", call: call{form: signedEmbedForm("SSO.User@example.com", "n-1", now)}, wantCode: CodeInvalidGrant, wantDesc: refused},
		{name: "signed form of an existing user", call: call{form: signedEmbedForm("Jane", "n-2", now)},
			check: func(t *testing.T, e *testEnv, r *TokenResponse) {
				if c := e.claims(t, domain.DefaultTenant, r.AccessToken); c.Subject != "jane" {
					t.Fatalf("subject %q", c.Subject)
				}
			}},
		{name: "signed form: a replay", call: call{form: signedEmbedForm("Jane", "n-2", now)}, wantCode: CodeInvalidGrant, wantDesc: "already used"},
		{name: "signed form: refused for its scope, the nonce kept", call: withParam(call{form: signedEmbedForm("jane", "n-3", now)}, "scope", "admin"),
			wantCode: CodeInvalidScope},
		{name: "signed form: the retry of a request refused for its scope", call: call{form: signedEmbedForm("jane", "n-3", now)}},
		{name: "signed form: refused for its validity_period, the nonce kept", call: withParam(call{form: signedEmbedForm("jane", "n-4", now)}, "validity_period", "x"),
			wantCode: CodeInvalidRequest},
		{name: "signed form: the retry of a request refused for its validity_period", call: call{form: signedEmbedForm("jane", "n-4", now)}},
		{name: "signed form: a timestamp too old", call: call{form: signedEmbedForm("jane", "n-5", now.Add(-EmbedWindow-time.Minute))},
			wantCode: CodeInvalidGrant, wantDesc: "5 minutes"},
		{name: "signed form: a timestamp too far ahead", call: call{form: signedEmbedForm("jane", "n-6", now.Add(EmbedWindow+time.Minute))},
			wantCode: CodeInvalidGrant},
		{name: "signed form: a signature for another user", call: withParam(call{form: signedEmbedForm("jane", "n-7", now)}, "username", "john.doe"),
			wantCode: CodeInvalidGrant, wantDesc: refused},
		{name: "signed form: a nonce that would break the message apart", call: withParam(call{form: signedEmbedForm("jane", "n-8", now)}, "embed_nonce", "a&b"),
			wantCode: CodeInvalidRequest},
		{name: "wrong secret", call: withParam(call{form: embedForm("john.doe")}, "embed_secret", "wrong"), wantCode: CodeInvalidGrant, wantDesc: refused},
		{name: "unknown user", call: call{form: embedForm("ghost")}, wantCode: CodeInvalidGrant, wantDesc: refused},
		{name: "disabled user", call: call{form: embedForm("disabled.user")}, wantCode: CodeInvalidGrant, wantDesc: refused},
		{name: "a user without a local password", call: call{form: embedForm("sso.user")}},
		{name: "missing username", call: call{form: values("grant_type", domain.GrantEmbedSecret, "embed_secret", testEmbedSecret)}, wantCode: CodeInvalidRequest},
		{name: "no credential", call: call{form: values("grant_type", domain.GrantEmbedSecret, "username", "john.doe")}, wantCode: CodeInvalidRequest},
		{name: "both forms", call: withParam(call{form: signedEmbedForm("jane", "n-9", now)}, "embed_secret", testEmbedSecret), wantCode: CodeInvalidRequest},
		{name: "embed off in the tenant", call: call{tenant: "acme", form: embedForm("alice")}, wantCode: CodeInvalidGrant, wantDesc: refused},
		{name: "wrong client credentials are refused, not ignored", call: call{auth: basic(webClient, "wrong"), form: embedForm("john.doe")},
			wantCode: CodeInvalidClient},
		{name: "the embed application's own credentials", call: call{auth: basic(domain.EmbedApplicationID, testEmbedSecret), form: embedForm("john.doe")}},
	})
}
