package oauth

import (
	"bytes"
	"context"
	"errors"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// refreshGrant: RFC 6749 §6 with rotation. Each use consumes the token and
// returns a new one of the same family; presenting a consumed token again
// revokes the family (OAuth 2.0 Security BCP §4.14).
//
// Except within the application's RefreshReuseGrace: a client whose answer
// was lost after the rotation committed (a timeout, a crash, a dropped
// connection) still holds only the consumed token. Presenting it again
// then returns the same successor, kept sealed with the master key for
// that long, and a new access token: the session neither forks nor ends.
// A thief gains nothing the window did not already give: once either
// party uses the successor, or the window closes, reuse revokes as ever.
type refreshGrant struct{ s *Server }

// refreshRequest is a refresh request (§6); scope and resource are the
// parameters every grant shares.
type refreshRequest struct{ refreshToken string }

func (refreshRequest) claimedUser() string { return "" }

var _ grant[refreshRequest] = refreshGrant{}

func (refreshGrant) clientRequired() bool { return true }

func (refreshGrant) parse(p params) (refreshRequest, error) {
	raw := p.get("refresh_token")
	if raw == "" {
		return refreshRequest{}, InvalidRequest("missing refresh_token")
	}
	return refreshRequest{refreshToken: raw}, nil
}

// authorize checks the token's checksum here rather than in parse: a
// forged token is a bad credential (invalid_grant), answered only to a
// client that authenticated.
func (g refreshGrant) authorize(ctx context.Context, ex *exchange, req refreshRequest) (*authorization, ScopePolicy, error) {
	raw := req.refreshToken
	if !token.CheckRefreshToken(raw) {
		return refuse(InvalidGrant("invalid refresh token"))
	}
	s := g.s
	// Mint the successor first, so consuming the old token and storing the
	// new one is one transaction. The record's family, subject, scopes and
	// audience are copied from the consumed token by the store.
	next, rec, err := mintRefresh(ex, "", "", nil, nil)
	if err != nil {
		return refuse(err)
	}
	if err := s.sealForGrace(ex, next, rec); err != nil {
		return refuse(err)
	}
	rot, err := s.store.RotateRefreshToken(ctx, ex.tenant, token.RefreshKey(raw), rec, ex.now)
	switch {
	case errors.Is(err, domain.ErrTokenReused):
		// The store revoked the family; apply that here before answering.
		if err := s.revoked.Sync(ctx); err != nil {
			s.log.Error("sync revocations", "err", err)
		}
		return refuse(InvalidGrant("refresh token was already used; the session is revoked"))
	case errors.Is(err, domain.ErrNotFound):
		return refuse(InvalidGrant("invalid refresh token"))
	case err != nil:
		return refuse(ServerError(err))
	}
	old := &rot.Consumed
	// A token older than its client was issued to an earlier client of
	// the same id (deleted, then created again: a configuration file keeps
	// ids): it is not this one's.
	if old.ClientID != ex.app.ID || old.CreatedAt.Before(ex.app.CreatedAt.Truncate(time.Second)) {
		// Another client holds this client's token: treat it as leaked.
		if err := s.revokeFamily(ctx, ex.tenant, old); err != nil {
			return refuse(err)
		}
		return refuse(InvalidGrant("refresh token was issued to another client"))
	}
	if old.JKT != "" && (ex.dpop == nil || ex.dpop.JKT != old.JKT) {
		// Bound to a key the caller does not prove it holds: a stolen
		// token, or a client that lost its key. Either way the session
		// cannot go on safely.
		if err := s.revokeFamily(ctx, ex.tenant, old); err != nil {
			return refuse(err)
		}
		return refuse(InvalidGrant("the refresh token is bound to a DPoP key this request does not prove; the session is revoked"))
	}
	if !rot.UserActive {
		return refuse(InvalidGrant("the user of this refresh token is no longer active"))
	}
	if rot.Successor != nil {
		// A retry within the grace: the successor already issued, again.
		if next, err = s.openSuccessor(ex.tenant, rot.Successor); err != nil {
			return refuse(ServerError(err))
		}
	}
	return &authorization{
		subject:      old.Subject,
		audience:     old.Audience,
		refresh:      true,
		familyID:     old.FamilyID,
		refreshToken: next,
	}, OriginalGrant(old.Scopes, rot.UserScopes), nil
}

// sealForGrace keeps the successor raw, sealed with the master key, for
// the application's grace period: only a sealed copy can be handed out
// again, as the store keeps no token in clear.
func (s *Server) sealForGrace(ex *exchange, raw string, rec *domain.RefreshToken) error {
	if ex.app.RefreshReuseGrace <= 0 || s.sealer == nil {
		return nil
	}
	sealed, err := s.sealer.Seal([]byte(raw), refreshTokenAD(ex.tenant, rec.Hash))
	if err != nil {
		return ServerError(err)
	}
	rec.Sealed, rec.SealedUntil = sealed, ex.now.Add(ex.app.RefreshReuseGrace)
	return nil
}

// openSuccessor opens the sealed copy of a successor and checks it is the
// token its key names.
func (s *Server) openSuccessor(tenant string, next *domain.RefreshToken) (string, error) {
	if s.sealer == nil {
		return "", errors.New("a sealed refresh token but no master key")
	}
	raw, err := s.sealer.Open(next.Sealed, refreshTokenAD(tenant, next.Hash))
	if err != nil {
		return "", err
	}
	if !token.CheckRefreshToken(string(raw)) || !bytes.Equal(token.RefreshKey(string(raw)), next.Hash) {
		return "", errors.New("a sealed refresh token does not match its key")
	}
	return string(raw), nil
}

// refreshTokenAD binds a sealed refresh token to its tenant and key, so a
// copy moved to another row does not open.
func refreshTokenAD(tenant string, key []byte) []byte {
	return append([]byte("refresh-token:"+tenant+":"), key...)
}

// revokeFamily revokes a refresh family and, through a family revocation,
// every access token issued from it.
func (s *Server) revokeFamily(ctx context.Context, tenant string, rt *domain.RefreshToken) error {
	until := rt.ExpiresAt.Add(domain.MaxAccessTokenTTL)
	if err := s.store.RevokeRefreshFamily(ctx, tenant, rt.FamilyID, until); err != nil {
		return ServerError(err)
	}
	s.revoked.Noted(domain.Revocation{Tenant: tenant, Kind: domain.RevokeFamily, Value: rt.FamilyID, ExpiresAt: until})
	return nil
}
