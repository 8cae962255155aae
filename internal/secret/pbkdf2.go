package secret

import (
	"context"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"hash"
	"strconv"
	"strings"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/crypto/pbkdf2"
)

// Iteration bounds of imported PBKDF2 hashes. The ceiling keeps a hostile
// or corrupt hash from pinning a hashing slot for seconds (2,000,000
// SHA-512 rounds take about a second); OWASP recommends 600,000 for
// SHA-256, so real hashes fit.
const (
	minPBKDF2Iter = 1000
	maxPBKDF2Iter = 2_000_000
)

// pbkdf2Hash is a parsed PBKDF2 hash, of either accepted encoding.
type pbkdf2Hash struct {
	prf  func() hash.Hash
	iter int
	salt []byte
	key  []byte
}

// isPBKDF2PHC reports a "$pbkdf2-<digest>$" string.
func isPBKDF2PHC(s string) bool { return strings.HasPrefix(s, "$pbkdf2-") }

// parsePBKDF2PHC parses the PHC form $pbkdf2-sha256$i=<n>$<salt>$<hash>
// (https://github.com/P-H-C/phc-string-format) and passlib's variant
// $pbkdf2-sha256$<n>$<salt>$<hash>, whose base64 writes '.' for '+'.
func parsePBKDF2PHC(s string) (*pbkdf2Hash, error) {
	parts := strings.Split(s, "$")
	if len(parts) != 5 || parts[0] != "" {
		return nil, fmt.Errorf("%w: not a PBKDF2 PHC string", ErrMalformedHash)
	}
	var h pbkdf2Hash
	switch parts[1] {
	case "pbkdf2-sha256":
		h.prf = sha256.New
	case "pbkdf2-sha512":
		h.prf = sha512.New
	default:
		return nil, fmt.Errorf("%w: unsupported PBKDF2 digest", ErrMalformedHash)
	}
	iter, err := strconv.Atoi(strings.TrimPrefix(parts[2], "i="))
	if err != nil || iter < minPBKDF2Iter || iter > maxPBKDF2Iter {
		return nil, fmt.Errorf("%w: PBKDF2 iterations out of range", ErrMalformedHash)
	}
	h.iter = iter
	if h.salt, err = decodeB64(parts[3]); err != nil || len(h.salt) < 8 || len(h.salt) > 64 {
		return nil, fmt.Errorf("%w: bad PBKDF2 salt", ErrMalformedHash)
	}
	if h.key, err = decodeB64(parts[4]); err != nil || len(h.key) < 16 || len(h.key) > 64 {
		return nil, fmt.Errorf("%w: bad PBKDF2 hash", ErrMalformedHash)
	}
	return &h, nil
}

// decodeB64 accepts standard base64 with or without padding and passlib's
// adapted alphabet ('.' for '+').
func decodeB64(s string) ([]byte, error) {
	s = strings.TrimRight(strings.ReplaceAll(s, ".", "+"), "=")
	return base64.RawStdEncoding.Strict().DecodeString(s)
}

// ASP.NET Core Identity v3 hashes are base64 of: 0x01, then big-endian
// uint32 PRF (0 SHA-1, 1 SHA-256, 2 SHA-512), uint32 iteration count,
// uint32 salt length, the salt and the derived key
// (aspnetcore src/Identity/Extensions.Core/src/PasswordHasher.cs).
const aspnetV3Marker = 0x01

// parseASPNetV3 parses an ASP.NET Core Identity v3 hash; ok is false
// when s is not of that form at all (so other formats may be tried).
func parseASPNetV3(s string) (h *pbkdf2Hash, ok bool, err error) {
	if s == "" || s[0] == '$' || len(s) > 512 {
		return nil, false, nil
	}
	raw, derr := base64.StdEncoding.Strict().DecodeString(s)
	if derr != nil || len(raw) < 13 || raw[0] != aspnetV3Marker {
		return nil, false, nil
	}
	h = &pbkdf2Hash{}
	switch binary.BigEndian.Uint32(raw[1:5]) {
	case 0:
		h.prf = sha1.New
	case 1:
		h.prf = sha256.New
	case 2:
		h.prf = sha512.New
	default:
		return nil, true, fmt.Errorf("%w: unknown ASP.NET Identity PRF", ErrMalformedHash)
	}
	iter := binary.BigEndian.Uint32(raw[5:9])
	if iter < minPBKDF2Iter || iter > maxPBKDF2Iter {
		return nil, true, fmt.Errorf("%w: PBKDF2 iterations out of range", ErrMalformedHash)
	}
	h.iter = int(iter)
	saltLen := binary.BigEndian.Uint32(raw[9:13])
	if saltLen < 8 || saltLen > 64 || uint32(len(raw)-13) < saltLen+16 {
		return nil, true, fmt.Errorf("%w: bad ASP.NET Identity salt", ErrMalformedHash)
	}
	h.salt = raw[13 : 13+saltLen]
	h.key = raw[13+saltLen:]
	if len(h.key) > 64 {
		return nil, true, fmt.Errorf("%w: bad ASP.NET Identity hash", ErrMalformedHash)
	}
	return h, true, nil
}

// verifyPBKDF2 checks an imported PBKDF2 hash in a hashing slot; a match
// always asks for a rehash to argon2id.
func (h *Hasher) verifyPBKDF2(ctx context.Context, password string, ph *pbkdf2Hash) (ok, rehash bool, err error) {
	if err := h.acquire(ctx); err != nil {
		return false, false, err
	}
	key := pbkdf2.Key([]byte(password), ph.salt, ph.iter, len(ph.key), ph.prf)
	h.release()
	if subtle.ConstantTimeCompare(key, ph.key) != 1 {
		return false, false, nil
	}
	return true, true, nil
}

// verifyImported verifies the non-argon2id formats Verify accepts;
// handled is false when encoded is none of them.
func (h *Hasher) verifyImported(ctx context.Context, password, encoded string) (handled, ok, rehash bool, err error) {
	switch {
	case isBcrypt(encoded):
		ok, rehash, err = h.verifyBcrypt(ctx, password, encoded)
		return true, ok, rehash, err
	case isPBKDF2PHC(encoded):
		ph, err := parsePBKDF2PHC(encoded)
		if err != nil {
			return true, false, false, err
		}
		ok, rehash, err = h.verifyPBKDF2(ctx, password, ph)
		return true, ok, rehash, err
	}
	ph, isASP, err := parseASPNetV3(encoded)
	if !isASP {
		return false, false, false, nil
	}
	if err != nil {
		return true, false, false, err
	}
	ok, rehash, err = h.verifyPBKDF2(ctx, password, ph)
	return true, ok, rehash, err
}

// CheckHash reports whether encoded is a password hash Verify accepts,
// without verifying anything: importers use it to refuse a row with an
// unrecognised hash rather than store a user who could never log in.
// The error wraps ErrMalformedHash and never echoes the hash.
func CheckHash(encoded string) error {
	switch {
	case isBcrypt(encoded):
		if cost, err := bcrypt.Cost([]byte(encoded)); err != nil || cost > maxBcryptCost || len(encoded) != 60 {
			return fmt.Errorf("%w: bad bcrypt hash", ErrMalformedHash)
		}
		return nil
	case isPBKDF2PHC(encoded):
		_, err := parsePBKDF2PHC(encoded)
		return err
	case strings.HasPrefix(encoded, "$argon2id$"):
		_, err := parsePHC(encoded, defaultLimits)
		return err
	}
	if _, isASP, err := parseASPNetV3(encoded); isASP {
		return err
	}
	return fmt.Errorf("%w: unrecognised format (want bcrypt, argon2id, PBKDF2 or ASP.NET Identity v3)", ErrMalformedHash)
}
