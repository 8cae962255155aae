package domain

import (
	"golang.org/x/text/secure/precis"
)

// maxUsernameInput bounds what NormalizeUsername reads: four times the
// stored limit, enough for any name whose normal form fits (a fullwidth
// letter is three bytes of UTF-8 and one of ASCII), and a bound on the
// work a hostile 30 MiB "username" can cause.
const maxUsernameInput = 4 * maxUsernameBytes

// maxUsernameBytes is the longest user id (ValidateUser's limit).
const maxUsernameBytes = 255

// NormalizeUsername returns a username in its stored form: the PRECIS
// UsernameCaseMapped profile (RFC 8265 §3.3), which maps fullwidth
// characters to their ASCII forms, lower-cases and applies NFC, and
// refuses characters that have no place in a name (zero-width and other
// invisible characters, spaces, controls). "Ｊohn.Doe" and "john.doe" are
// then one user. Every way a username enters — create, import, sign-in,
// a URL path — goes through it, so comparing stored ids is comparing
// names without regard to case or width.
func NormalizeUsername(s string) (string, error) {
	if s == "" {
		return "", Invalid("id", "is required")
	}
	if len(s) > maxUsernameInput {
		return "", Invalid("id", "longer than %d bytes", maxUsernameBytes)
	}
	n, err := precis.UsernameCaseMapped.String(s)
	if err != nil {
		return "", Invalid("id", "not a valid username (PRECIS UsernameCaseMapped, RFC 8265): "+
			"no spaces, control or invisible characters")
	}
	if len(n) > maxUsernameBytes {
		return "", Invalid("id", "longer than %d bytes", maxUsernameBytes)
	}
	return n, nil
}
