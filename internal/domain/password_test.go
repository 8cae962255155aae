package domain

import (
	"strings"
	"testing"
)

func TestCheckPassword(t *testing.T) {
	tests := []struct {
		name, password string
		ok             bool
	}{
		{"eight ASCII characters", "12345678", true},
		{"seven ASCII characters", "1234567", false},
		{"eight runes in sixteen bytes", "ääääääää", true},
		{"seven runes in fourteen bytes", "äääääää", false},
		{"at the byte limit", strings.Repeat("a", MaxPasswordBytes), true},
		{"over the byte limit", strings.Repeat("a", MaxPasswordBytes+1), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := CheckPassword(tc.password, 8)
			if (err == nil) != tc.ok {
				t.Fatalf("CheckPassword = %v, want ok %v", err, tc.ok)
			}
			if err != nil && (!IsInvalid(err) || !strings.HasPrefix(err.Error(), "password: ")) {
				t.Fatalf("error %v is not an InvalidError of password", err)
			}
		})
	}
	if err := CheckPassword("short", 12); err == nil || !strings.Contains(err.Error(), "12") {
		t.Errorf("error %v does not name the minimum", err)
	}
}
