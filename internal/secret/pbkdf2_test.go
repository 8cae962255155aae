package secret

import (
	"errors"
	"testing"
)

// Vectors computed independently with Python's hashlib.pbkdf2_hmac; the
// passlib one is from passlib's documentation.
const (
	passlibSHA256 = "$pbkdf2-sha256$6400$0ZrzXitFSGltTQnBWOsdAw$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M"
	phcSHA256     = "$pbkdf2-sha256$i=6400$0ZrzXitFSGltTQnBWOsdAw$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M"
	// Password "Pa$$w0rd!", salt 0x01…0x10.
	aspnetV3SHA256 = "AQAAAAEAACcQAAAAEAECAwQFBgcICQoLDA0ODxBI5t3OjNG2frD4I8Qy+PuQ047ScXuQ0GRiq8yAm1P2vw=="
	aspnetV3SHA512 = "AQAAAAIAAYagAAAAEAECAwQFBgcICQoLDA0ODxDbItG2V3Ie79zB+tbJdawAQrbyyS/ptZqvTYt5clyRJA=="
)

func TestVerifyPBKDF2(t *testing.T) {
	h := NewHasher(Params{Memory: 64, Time: 1, Threads: 1}, 2, 0)
	for _, c := range []struct {
		name, hash, password string
	}{
		{"passlib pbkdf2-sha256", passlibSHA256, "password"},
		{"PHC pbkdf2-sha256", phcSHA256, "password"},
		{"ASP.NET Identity v3 SHA-256", aspnetV3SHA256, "Pa$$w0rd!"},
		{"ASP.NET Identity v3 SHA-512", aspnetV3SHA512, "Pa$$w0rd!"},
	} {
		t.Run(c.name, func(t *testing.T) {
			if err := CheckHash(c.hash); err != nil {
				t.Fatalf("CheckHash: %v", err)
			}
			ok, rehash, err := h.Verify(t.Context(), c.password, c.hash)
			if err != nil || !ok || !rehash {
				t.Fatalf("Verify(right password) = %v, %v, %v; want true, true, nil", ok, rehash, err)
			}
			ok, _, err = h.Verify(t.Context(), c.password+"x", c.hash)
			if err != nil || ok {
				t.Fatalf("Verify(wrong password) = %v, %v", ok, err)
			}
		})
	}
}

func TestCheckHashRefuses(t *testing.T) {
	for name, hash := range map[string]string{
		"plain text":            "hunter2",
		"md5 crypt":             "$1$saltsalt$qjXMvbEw8oaL.CzflDugX/",
		"too many iterations":   "$pbkdf2-sha256$i=99999999$0ZrzXitFSGltTQnBWOsdAw$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M",
		"too few iterations":    "$pbkdf2-sha256$i=1$0ZrzXitFSGltTQnBWOsdAw$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M",
		"unknown digest":        "$pbkdf2-md5$i=6400$0ZrzXitFSGltTQnBWOsdAw$Y11AchqV4b0sUisdZd0Xr97KWoymNE0LNNrnEgY4H9M",
		"short bcrypt":          "$2b$10$abc",
		"bcrypt cost too high":  "$2b$31$" + "abcdefghijklmnopqrstuuabcdefghijklmnopqrstuvwxyz01234",
		"ASP.NET v3 bad PRF":    "AQAAAAkAACcQAAAAEAECAwQFBgcICQoLDA0ODxBI5t3OjNG2frD4I8Qy+PuQ047ScXuQ0GRiq8yAm1P2vw==",
		"ASP.NET v3 truncated":  "AQAAAAEAACcQAAAAEAECAwQFBgcICQoLDA0ODxA=",
		"argon2id out of range": "$argon2id$v=19$m=99999999,t=2,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA",
		"empty":                 "",
	} {
		if err := CheckHash(hash); !errors.Is(err, ErrMalformedHash) {
			t.Errorf("%s: CheckHash = %v, want ErrMalformedHash", name, err)
		}
	}
}
