package token

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func FuzzVerify(f *testing.F) {
	st := newMemStore()
	k := newTestKeyring(f, st, nil)
	good := issue(f, k, "acme", &Claims{Subject: "u", Audience: []string{"a"}, Scope: "s"})
	// acme also gets an EdDSA key; both keys stay published.
	if err := k.Rotate(context.Background(), "acme", "EdDSA"); err != nil {
		f.Fatal(err)
	}
	goodEd := issue(f, k, "acme", &Claims{Subject: "u", Audience: []string{"a"}, Scope: "s"})
	f.Add(good)
	f.Add(good[:len(good)-3])
	f.Add(goodEd)
	f.Add(goodEd[:len(goodEd)-3])
	// The EdDSA token's header and body with the ES256 token's signature.
	f.Add(goodEd[:strings.LastIndexByte(goodEd, '.')] + good[strings.LastIndexByte(good, '.'):])
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("eyJhbGciOiJFUzI1NiIsImtpZCI6IngiLCJ0eXAiOiJhdCtqd3QifQ.e30.AAAA")
	f.Add("...")
	f.Add("a.b.c.d.e")
	f.Fuzz(func(t *testing.T, raw string) {
		c, err := k.Verify(context.Background(), "acme", raw)
		if err != nil && (c != nil || !errors.Is(err, ErrInvalidToken)) {
			t.Fatalf("got %+v with %v", c, err)
		}
		if err == nil && raw != good && raw != goodEd {
			// Only exact re-encodings of a token we issued may verify.
			if c.Tenant != "acme" || c.Issuer != testBase+"/acme" {
				t.Fatalf("accepted %q as %+v", raw, c)
			}
		}
	})
}

// eachAlgorithm runs bench once per signing algorithm, as a sub-benchmark
// named after it, with a keyring whose tenants start on that algorithm.
func eachAlgorithm(b *testing.B, bench func(b *testing.B, k *Keyring)) {
	for _, alg := range SupportedAlgorithms() {
		b.Run(alg, func(b *testing.B) { bench(b, newTestKeyringAlg(b, newMemStore(), nil, alg)) })
	}
}

func BenchmarkIssue(b *testing.B) { eachAlgorithm(b, benchIssue) }

func benchIssue(b *testing.B, k *Keyring) {
	ctx := context.Background()
	_ = issue(b, k, "acme", &Claims{Subject: "u"}) // create the key outside the timer
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			c := Claims{Subject: "john.doe", ClientID: "client1", Scope: "orders:read orders:write",
				Audience: []string{"https://api.example.com"}, FamilyID: "fam"}
			if _, err := k.Issue(ctx, "acme", &c); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// BenchmarkVerify verifies one token over and over: after the first
// call, the verified-token cache answers.
func BenchmarkVerify(b *testing.B) {
	benchVerify(b, newTestKeyring(b, newMemStore(), nil), false)
}

// BenchmarkVerifyUncached measures the full verification, per algorithm.
func BenchmarkVerifyUncached(b *testing.B) {
	eachAlgorithm(b, func(b *testing.B, k *Keyring) { benchVerify(b, k, true) })
}

func benchVerify(b *testing.B, k *Keyring, uncached bool) {
	ctx := context.Background()
	raw := issue(b, k, "acme", &Claims{Subject: "john.doe", ClientID: "client1", Scope: "orders:read",
		Audience: []string{"https://api.example.com"}, ExpiresAt: time.Now().Add(time.Hour)})
	key := verifiedKeyOf("acme", raw)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if uncached {
				k.verified.Delete(key)
			}
			if _, err := k.Verify(ctx, "acme", raw); err != nil {
				b.Fatal(err)
			}
		}
	})
}
