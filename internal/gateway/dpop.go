package gateway

import (
	"crypto/sha256"
	"net/http"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/cache"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// DPoP at the gateway (RFC 9449 §7). A token bound to a key (cnf.jkt)
// comes as "Authorization: DPoP <token>" with a proof, made for this
// request (method and URL), for this token (ath), by that key, and not
// seen before; sent as a bearer token it is refused, since whoever sends
// it so proves nothing. An unbound token may not use the DPoP scheme.

// Proofs are accepted for dpopMaxAge (plus the verifier's 30 s leeway
// ahead), so the replay cache holds a proof's id a little longer; at
// dpopReplayEntries it drops the oldest, which bounds its memory (about
// 100 bytes an entry) and still covers dpopReplayEntries/dpopMaxAge
// proofs a second, some 4,000.
const (
	dpopMaxAge        = time.Minute
	dpopReplayTTL     = dpopMaxAge + time.Minute
	dpopReplayEntries = 256 << 10
)

// dpopProofs checks the proofs of one gateway node. Its replay cache is
// the node's own: a proof replayed to another node within its minute is
// caught there only if the client's nonce policy or the upstream's
// idempotence does (see the README's DPoP section).
type dpopProofs struct {
	seen *cache.TTL[[sha256.Size]byte, struct{}]
	now  func() time.Time
}

func newDPoPProofs() *dpopProofs {
	return &dpopProofs{seen: cache.New[[sha256.Size]byte, struct{}](dpopReplayTTL, dpopReplayEntries), now: time.Now}
}

// check verifies r's proof for the bound token raw, whose key is jkt.
func (d *dpopProofs) check(r *http.Request, base, raw, jkt string) *refusal {
	proofs := r.Header.Values("DPoP")
	if len(proofs) != 1 {
		return invalidProof("send exactly one DPoP header with the proof")
	}
	p, err := token.VerifyDPoPProof(proofs[0], token.DPoPCheck{
		Method: r.Method, URL: requestURL(r, base), AccessToken: raw, Now: d.now(), MaxAge: dpopMaxAge})
	if err != nil {
		return invalidProof(err.Error())
	}
	if p.JKT != jkt {
		return invalidProof("the proof is signed by another key than the one the token is bound to")
	}
	if !d.seen.PutNew(sha256.Sum256([]byte(p.JKT+" "+p.JTI)), struct{}{}) {
		return invalidProof("the proof was already used (its jti)")
	}
	return nil
}

// requestURL is the URL the client addressed: the gateway's public base
// and the request's path, as sent. The Host header plays no part: a proof
// made for another server must not pass here under that server's name.
func requestURL(r *http.Request, base string) string {
	return strings.TrimSuffix(base, "/") + r.URL.EscapedPath()
}
