package token

import (
	"encoding/base64"
	"encoding/binary"
	"sync/atomic"
	"time"

	"github.com/tollgate-dev/tollgate/internal/secret"
)

// DPoP nonces (RFC 9449 §8): a server may make clients put a value of
// its choosing in their proofs, so that a proof made ahead of time by a
// thief holding the key for a moment is useless later. Tollgate's nonce
// is its own issue time sealed with the master key: any node can check
// it without shared state, and it stays good for DPoPNonceLifetime.

// DPoPNonceLifetime is how long a nonce is accepted; a fresh one is
// handed out every dpopNonceEvery, in the DPoP-Nonce header of answers.
const (
	DPoPNonceLifetime = 5 * time.Minute
	dpopNonceEvery    = time.Minute
)

// dpopNonceAD keeps sealed nonces from opening as anything else sealed
// with the master key, and the other way round.
var dpopNonceAD = []byte("dpop-nonce")

// DPoPNonces mints and checks nonces.
type DPoPNonces struct {
	sealer *secret.Sealer
	now    func() time.Time
	cur    atomic.Pointer[mintedNonce]
}

type mintedNonce struct {
	at    time.Time
	value string
}

// NewDPoPNonces returns nonces sealed with sealer.
func NewDPoPNonces(sealer *secret.Sealer) *DPoPNonces {
	return &DPoPNonces{sealer: sealer, now: time.Now}
}

// Current returns the nonce to hand out: one per dpopNonceEvery, so
// answers cost no sealing.
func (n *DPoPNonces) Current() string {
	now := n.now()
	if c := n.cur.Load(); c != nil && now.Sub(c.at) < dpopNonceEvery && !now.Before(c.at) {
		return c.value
	}
	var b [8]byte
	binary.BigEndian.PutUint64(b[:], uint64(now.Unix()))
	sealed, err := n.sealer.Seal(b[:], dpopNonceAD)
	if err != nil {
		return "" // the sealer fails only on a broken random source
	}
	c := &mintedNonce{at: now, value: base64.RawURLEncoding.EncodeToString(sealed)}
	n.cur.Store(c)
	return c.value
}

// Valid reports whether nonce was minted here (on any node sharing the
// master key) within DPoPNonceLifetime.
func (n *DPoPNonces) Valid(nonce string) bool {
	if nonce == "" || len(nonce) > 128 {
		return false
	}
	if c := n.cur.Load(); c != nil && c.value == nonce && n.now().Sub(c.at) < DPoPNonceLifetime {
		return true // the common case: no opening
	}
	sealed, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil {
		return false
	}
	b, err := n.sealer.Open(sealed, dpopNonceAD)
	if err != nil || len(b) != 8 {
		return false
	}
	at := time.Unix(int64(binary.BigEndian.Uint64(b)), 0)
	now := n.now()
	return !at.After(now.Add(dpopLeeway)) && now.Sub(at) < DPoPNonceLifetime
}
