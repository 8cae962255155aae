package token

// Tampered returns s with its last character replaced by a different one,
// for tests that a broken checksum is refused: appending a fixed letter
// would leave s unchanged whenever it already ended with that letter.
func Tampered(s string) string {
	if s == "" {
		return "x"
	}
	last := byte('x')
	if s[len(s)-1] == last {
		last = 'y'
	}
	return s[:len(s)-1] + string(last)
}
