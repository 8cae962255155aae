package token

import "testing"

func TestTampered(t *testing.T) {
	for _, s := range []string{"", "a", "abx", "aby", "tgp_xxxx"} {
		if got := Tampered(s); got == s || len(got) != max(len(s), 1) {
			t.Errorf("Tampered(%q) = %q", s, got)
		}
	}
}
