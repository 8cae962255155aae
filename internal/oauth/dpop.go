package oauth

import (
	"context"
	"errors"
	"net/http"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// DPoP at the token endpoint (RFC 9449 §5). A request may carry one proof
// of possession of a key; the access token it gets is then bound to that
// key (cnf.jkt, token_type DPoP), and so is the refresh token of a public
// client, which has no other credential to protect it. An application
// with RequireDPoP gets no token without a proof.

// TokenTypeDPoP is the token_type of a bound access token (RFC 9449 §5).
const TokenTypeDPoP = "DPoP"

// dpopReplayMargin keeps a proof's jti beyond its acceptance window, for
// the clock skew between nodes.
const dpopReplayMargin = 30 * 1e9 // 30 s, in nanoseconds

// dpopProof checks the request's proof, if it has one: its signature,
// method, URL and age, the server's nonce when nonces are on, and that
// its jti is new on every node. nil, nil when the request has none.
func (s *Server) dpopProof(ctx context.Context, ex *exchange) (*token.DPoPProof, error) {
	switch len(ex.req.DPoP) {
	case 0:
		return nil, nil
	case 1:
	default:
		return nil, InvalidDPoPProof("more than one DPoP header")
	}
	p, err := token.VerifyDPoPProof(ex.req.DPoP[0], token.DPoPCheck{Method: http.MethodPost, URL: ex.req.URL, Now: ex.now})
	if err != nil {
		return nil, InvalidDPoPProof(err.Error())
	}
	if s.nonces != nil && !s.nonces.Valid(p.Nonce) {
		return nil, UseDPoPNonce(s.nonces.Current())
	}
	until := p.IssuedAt.Add(token.DPoPProofMaxAge + dpopReplayMargin)
	err = s.store.RedeemOnce(ctx, ex.tenant, "dpop "+p.JKT+" "+p.JTI, until, ex.now)
	if errors.Is(err, domain.ErrConflict) {
		return nil, InvalidDPoPProof("the proof was already used (its jti)")
	}
	if err != nil {
		return nil, ServerError(err)
	}
	return p, nil
}

// boundKey is the thumbprint the access token is bound to: the proof's
// key, or "" for a bearer token, which an application that requires DPoP
// does not get.
func (ex *exchange) boundKey() (string, error) {
	if ex.dpop != nil {
		return ex.dpop.JKT, nil
	}
	if ex.app != nil && ex.app.RequireDPoP {
		return "", InvalidDPoPProof("this client must send a DPoP proof")
	}
	return "", nil
}

// refreshKey is the key a new refresh token is bound to: a public
// client's proof key; a confidential client's tokens stay unbound, its
// authentication protects them.
func (ex *exchange) refreshKey() string {
	if ex.dpop != nil && ex.app.IsPublic() {
		return ex.dpop.JKT
	}
	return ""
}

// DPoPNonce is the nonce answers carry in DPoP-Nonce, or "" when nonces
// are off.
func (s *Server) DPoPNonce() string {
	if s.nonces == nil {
		return ""
	}
	return s.nonces.Current()
}
