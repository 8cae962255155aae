// Package authheader parses the HTTP Authorization header, once, for every
// endpoint: the token service, the admin API and the gateway read a
// request's credentials with the same rules, so a header that one of them
// would refuse is refused by all, alike, and none reads a different token
// out of it than another would (or than a proxy in front did).
package authheader

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
)

// Schemes, in their canonical spelling (RFC 6750 §2.1, RFC 7617 §2).
const (
	Bearer = "Bearer"
	Basic  = "Basic"
	DPoP   = "DPoP" // RFC 9449 §7.1: a DPoP-bound access token
)

// MaxLen bounds the header's value: real credentials are far smaller, and
// a huge one is refused before any work is done on it.
const MaxLen = 8192

// ErrMalformed is wrapped by every refusal; each protocol answers it with
// 400 invalid_request in its own format.
var ErrMalformed = errors.New("malformed Authorization header")

// Credentials are what an Authorization header carries.
type Credentials struct {
	// Scheme is Bearer, Basic or DPoP in canonical case, any other
	// scheme as sent, "" when the request has no Authorization header.
	Scheme string
	// Token is the bearer or DPoP token or the still-encoded Basic credentials;
	// for another scheme, the rest of the header, unchecked.
	Token string
}

// Parse reads the request's Authorization header. More than one is
// refused: which one counts would depend on who reads them.
func Parse(h http.Header) (Credentials, error) {
	vs := h.Values("Authorization")
	switch len(vs) {
	case 0:
		return Credentials{}, nil
	case 1:
		return ParseValue(vs[0])
	}
	return Credentials{}, malformed("sent more than once")
}

// ParseValue parses one Authorization header value: an auth-scheme (RFC
// 9110 §11.4), one space, and for Bearer and Basic exactly one token68
// (RFC 6750's b64token has the same characters). The grammar allows more
// than one space; one only is accepted, so that "Bearer  x" cannot mean
// "x" here and something else to another parser.
func ParseValue(v string) (Credentials, error) {
	if len(v) > MaxLen {
		return Credentials{}, malformed("too large")
	}
	scheme, rest, _ := strings.Cut(v, " ")
	if !isToken(scheme) {
		return Credentials{}, malformed("no authentication scheme")
	}
	for _, canon := range []string{Bearer, Basic, DPoP} {
		if strings.EqualFold(scheme, canon) {
			if !isToken68(rest) {
				return Credentials{}, malformed(canon + " must be followed by one space and one token")
			}
			return Credentials{Scheme: canon, Token: rest}, nil
		}
	}
	return Credentials{Scheme: scheme, Token: rest}, nil
}

func malformed(reason string) error { return fmt.Errorf("%w: %s", ErrMalformed, reason) }

// isToken68 checks token68 (RFC 9110 §11.2): 1*( ALPHA / DIGIT / "-" /
// "." / "_" / "~" / "+" / "/" ) *"=". A space (two tokens) fails it.
func isToken68(s string) bool {
	i := len(s)
	for i > 0 && s[i-1] == '=' {
		i--
	}
	for j := 0; j < i; j++ {
		c := s[j]
		ok := isAlnum(c) || c == '-' || c == '.' || c == '_' || c == '~' || c == '+' || c == '/'
		if !ok {
			return false
		}
	}
	return i > 0
}

// isToken checks token (RFC 9110 §5.6.2), the syntax of a scheme.
func isToken(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; !isAlnum(c) && !strings.ContainsRune("!#$%&'*+-.^_`|~", rune(c)) {
			return false
		}
	}
	return s != ""
}

func isAlnum(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9'
}
