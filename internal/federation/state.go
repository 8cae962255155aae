package federation

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/tollgate-dev/tollgate/internal/secret"
)

// The state cookie carries a sign-in across the provider's pages: the
// state and nonce sent to the provider, the PKCE verifier, when it
// expires and where the user was going. It is sealed with the master key
// (AES-GCM), so the browser can neither read the verifier nor change any
// of it, and bound to its tenant and provider (associated data), so a
// cookie from one sign-in cannot finish another.
const (
	stateTTL = 10 * time.Minute
	// MaxReturnTo bounds Begin's returnTo so that the cookie stays under
	// the 4096 bytes browsers keep (RFC 6265 §6.1), with room for the
	// other fields, the seal, base64 and the attributes.
	MaxReturnTo = 2048
	// maxCookieValue is the longest value a cookie Begin made can have;
	// anything longer is refused before it is decoded.
	maxCookieValue = 3500
	// maxField bounds the random fields: 32 random bytes are 43 in
	// base64url, a PKCE verifier at most 128 (RFC 7636 §4.1).
	maxField = 128
)

// flowState is the sealed content of the cookie.
type flowState struct {
	State    string `json:"s"`
	Nonce    string `json:"n"`
	Verifier string `json:"v"`
	Expires  int64  `json:"e"` // Unix seconds
	ReturnTo string `json:"r"`
}

var errState = errors.New("federation: no valid sign-in state")

// cookieName is the state cookie's name for a (tenant, provider): one per
// pair, so sign-ins through two providers in two tabs do not undo each
// other. Ids may hold characters a cookie name may not, hence the hash.
func cookieName(tenant, provider string, secure bool) string {
	h := sha256.Sum256([]byte(tenant + "\x00" + provider))
	name := "tollgate-signin-" + hex.EncodeToString(h[:8])
	if secure {
		name = "__Host-" + name // RFC 6265bis §4.1.3.2: Secure, Path=/, no Domain
	}
	return name
}

// stateAD binds a sealed state to its tenant and provider, and to its
// purpose, so no other sealed value of the server opens as one.
func stateAD(tenant, provider string) []byte {
	return []byte("federation-state:" + tenant + "\x00" + provider)
}

// randomString returns 32 random bytes in base64url: a state or nonce.
func randomString() string {
	b := make([]byte, 32)
	rand.Read(b) // never fails (crypto/rand)
	return base64.RawURLEncoding.EncodeToString(b)
}

// sealState returns the cookie value of s.
func sealState(sealer *secret.Sealer, tenant, provider string, s *flowState) (string, error) {
	if len(s.ReturnTo) > MaxReturnTo {
		return "", fmt.Errorf("federation: returnTo is %d bytes, longer than %d", len(s.ReturnTo), MaxReturnTo)
	}
	// Without HTML escaping, a URL's '&' stays one byte.
	var pt bytes.Buffer
	enc := json.NewEncoder(&pt)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(s); err != nil {
		return "", err
	}
	sealed, err := sealer.Seal(bytes.TrimSuffix(pt.Bytes(), []byte("\n")), stateAD(tenant, provider))
	if err != nil {
		return "", err
	}
	v := base64.RawURLEncoding.EncodeToString(sealed)
	if len(v) > maxCookieValue { // a returnTo of characters JSON escapes
		return "", fmt.Errorf("federation: returnTo too long for the state cookie")
	}
	return v, nil
}

// openState decodes a cookie value for tenant and provider; any failure
// is errState (wrapped with the detail).
func openState(sealer *secret.Sealer, tenant, provider, value string) (*flowState, error) {
	if len(value) > maxCookieValue {
		return nil, fmt.Errorf("%w: cookie too long", errState)
	}
	sealed, err := base64.RawURLEncoding.DecodeString(value)
	if err != nil {
		return nil, fmt.Errorf("%w: not base64url", errState)
	}
	pt, err := sealer.Open(sealed, stateAD(tenant, provider))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", errState, err)
	}
	return parseState(pt)
}

// parseState reads what openState unsealed. Only Begin seals states, so
// a failure here is a bug or a leaked master key; it is checked all the
// same, since the cookie comes from the browser.
func parseState(pt []byte) (*flowState, error) {
	var s flowState
	if err := json.Unmarshal(pt, &s); err != nil {
		return nil, fmt.Errorf("%w: %v", errState, err)
	}
	for _, f := range []string{s.State, s.Nonce, s.Verifier} {
		if f == "" || len(f) > maxField {
			return nil, fmt.Errorf("%w: bad field", errState)
		}
	}
	if len(s.ReturnTo) > MaxReturnTo {
		return nil, fmt.Errorf("%w: returnTo too long", errState)
	}
	return &s, nil
}

// stateCookie returns the cookie Begin sets.
func (f *Federation) stateCookie(tenant, provider, value string) *http.Cookie {
	return &http.Cookie{
		Name:     cookieName(tenant, provider, f.secure),
		Value:    value,
		Path:     "/",
		MaxAge:   int(stateTTL / time.Second),
		Secure:   f.secure,
		HttpOnly: true,
		// Lax: the provider sends the browser back with a top-level GET,
		// which carries Lax cookies; a cross-site subrequest does not.
		SameSite: http.SameSiteLaxMode,
	}
}

// clearCookie removes the state cookie: a state is used once.
func (f *Federation) clearCookie(tenant, provider string) *http.Cookie {
	c := f.stateCookie(tenant, provider, "")
	c.MaxAge = -1
	return c
}
