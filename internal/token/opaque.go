package token

import (
	"crypto/rand"
	"hash/crc32"
)

// Opaque tokens follow GitHub's token format: prefix, 43 base62 characters
// of randomness (43·log2(62) ≈ 256 bits), then a 6-character base62 CRC32
// of prefix and body. The prefix lets secret scanners and people recognise
// a leaked token; the checksum lets us refuse typos and random strings
// without a database lookup. Base62 keeps the token one "word", so a
// double click selects all of it.
const (
	opaqueBodyLen     = 43
	opaqueChecksumLen = 6 // 62^6 > 2^32
	base62Alphabet    = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
)

// NewOpaque returns prefix + 256 random bits + checksum.
func NewOpaque(prefix string) (string, error) { return newOpaque(prefix, nil), nil }

// newOpaque returns prefix + lead + 256 random bits + checksum.
func newOpaque(prefix string, lead []byte) string {
	buf := make([]byte, 0, len(prefix)+len(lead)+opaqueBodyLen+opaqueChecksumLen)
	buf = append(buf, prefix...)
	buf = append(buf, lead...)
	buf = appendRandomBase62(buf, opaqueBodyLen)
	buf = appendChecksum(buf, crc32.ChecksumIEEE(buf))
	return string(buf)
}

// CheckOpaque reports whether s is well-formed with the given prefix and a
// valid checksum, without any lookup.
func CheckOpaque(s, prefix string) bool { return checkOpaque(s, prefix, opaqueBodyLen) }

// checkOpaque is CheckOpaque for a body of bodyLen base62 characters.
func checkOpaque(s, prefix string, bodyLen int) bool {
	if len(s) != len(prefix)+bodyLen+opaqueChecksumLen || s[:len(prefix)] != prefix {
		return false
	}
	for i := len(prefix); i < len(s); i++ {
		if !isBase62(s[i]) {
			return false
		}
	}
	n := len(s) - opaqueChecksumLen
	var want [opaqueChecksumLen]byte
	appendChecksum(want[:0], crc32.ChecksumIEEE([]byte(s[:n])))
	return string(want[:]) == s[n:]
}

// appendRandomBase62 appends n uniformly random base62 characters, using
// rejection sampling so no character is more likely than another.
func appendRandomBase62(dst []byte, n int) []byte {
	var buf [64]byte
	for n > 0 {
		_, _ = rand.Read(buf[:]) // never fails; see crypto/rand.Read
		for _, b := range buf {
			if b >= 248 { // 248 = 4·62; keeps b%62 uniform
				continue
			}
			dst = append(dst, base62Alphabet[b%62])
			if n--; n == 0 {
				break
			}
		}
	}
	return dst
}

// appendChecksum appends c as exactly six base62 digits.
func appendChecksum(dst []byte, c uint32) []byte {
	return appendBase62(dst, uint64(c), opaqueChecksumLen)
}

// appendBase62 appends v as exactly n base62 digits, most significant
// first, so equal-length encodings sort like the numbers (the alphabet is
// in ASCII order). v must be below 62^n.
func appendBase62(dst []byte, v uint64, n int) []byte {
	d := make([]byte, n)
	for i := n - 1; i >= 0; i-- {
		d[i] = base62Alphabet[v%62]
		v /= 62
	}
	return append(dst, d...)
}

func isBase62(c byte) bool {
	return '0' <= c && c <= '9' || 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z'
}
