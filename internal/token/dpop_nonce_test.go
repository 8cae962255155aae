package token

import (
	"bytes"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/secret"
)

// TestDPoPNonceExpiry: a nonce is good for DPoPNonceLifetime, and a new
// one is handed out every dpopNonceEvery.
func TestDPoPNonceExpiry(t *testing.T) {
	sealer, err := secret.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	clk := &clock{t: time.Now()}
	n := NewDPoPNonces(sealer)
	n.now = clk.Now
	first := n.Current()
	clk.Advance(dpopNonceEvery)
	second := n.Current()
	if second == first || !n.Valid(first) {
		t.Fatal("no new nonce after a minute, or the previous one already refused")
	}
	clk.Advance(DPoPNonceLifetime - dpopNonceEvery)
	if n.Valid(first) {
		t.Fatal("a nonce accepted past its lifetime")
	}
	if !n.Valid(second) {
		t.Fatal("the current nonce refused")
	}
}
