package token_test

import (
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/token"
)

func BenchmarkVerifyDPoPProof(b *testing.B) {
	for alg, k := range dpopKeys(b) {
		b.Run(alg, func(b *testing.B) {
			raw := k.Proof(b, "POST", testHTU, nil)
			check := token.DPoPCheck{Method: "POST", URL: testHTU, Now: time.Now()}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := token.VerifyDPoPProof(raw, check); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
