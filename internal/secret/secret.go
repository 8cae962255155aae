// Package secret owns how Tollgate keeps secrets: argon2id password hashes
// with bounded concurrency, fast SHA-256 hashes for high-entropy generated
// secrets, and AES-256-GCM sealing with the master key for secrets the
// server must read back (signing keys, embed secrets).
package secret

import (
	"crypto/sha256"
	"crypto/subtle"
	"errors"
)

// ErrOverloaded: too many password hashes are queued; the caller should
// answer 503 with Retry-After rather than queue without bound.
var ErrOverloaded = errors.New("password hashing overloaded")

// ErrMalformedHash: a stored password hash cannot be parsed (or asks for
// more resources than we are willing to spend on it). Verify wraps it.
var ErrMalformedHash = errors.New("malformed password hash")

// HashToken returns the SHA-256 of a high-entropy server-generated secret
// (client secret, refresh token, API token). Such secrets need no slow hash:
// with ≥ 256 bits of entropy, brute force is out of reach whatever the hash
// costs, and lookups by hash must stay cheap on the request path.
func HashToken(s string) []byte {
	sum := sha256.Sum256([]byte(s))
	return sum[:]
}

// Equal compares two byte strings in constant time (for equal lengths; the
// length itself is not secret for hashes).
func Equal(a, b []byte) bool {
	return subtle.ConstantTimeCompare(a, b) == 1
}
