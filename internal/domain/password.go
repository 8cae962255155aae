package domain

import "unicode/utf8"

// DefaultPasswordMinLength is the shortest password accepted unless the
// operator sets --password-min-length.
const DefaultPasswordMinLength = 8

// MaxPasswordBytes bounds a password, so that hashing it costs a known
// amount.
const MaxPasswordBytes = 1024

// CheckPassword checks a plaintext password that an admin sets or an
// import brings before it is hashed: at least min characters (runes, so a
// non-ASCII password is not held to a byte count) and at most
// MaxPasswordBytes. Imported hashes are not passwords and are not checked.
func CheckPassword(password string, min int) error {
	if len(password) > MaxPasswordBytes {
		return Invalid("password", "longer than %d bytes", MaxPasswordBytes)
	}
	if utf8.RuneCountInString(password) < min {
		return Invalid("password", "must be at least %d characters long", min)
	}
	return nil
}
