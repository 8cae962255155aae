package oauth

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"slices"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// authCodeGrant: RFC 6749 §4.1.3 with PKCE (RFC 7636 §4.5). A code works
// once; presenting it again revokes what its first redemption issued.
type authCodeGrant struct{ s *Server }

// authCodeRequest is an access token request with a code.
type authCodeRequest struct{ code, redirectURI, verifier string }

func (authCodeRequest) claimedUser() string { return "" }

var _ grant[authCodeRequest] = authCodeGrant{}

// clientRequired: confidential clients authenticate, public ones name
// themselves with client_id (authenticateClient tells them apart).
func (authCodeGrant) clientRequired() bool { return true }

func (authCodeGrant) parse(p params) (authCodeRequest, error) {
	r := authCodeRequest{code: p.get("code"), redirectURI: p.get("redirect_uri"), verifier: p.get("code_verifier")}
	switch {
	case r.code == "":
		return r, InvalidRequest("missing code")
	case r.verifier == "":
		return r, InvalidRequest("missing code_verifier (PKCE is required)")
	case !validVerifier(r.verifier):
		return r, InvalidRequest("code_verifier must be 43 to 128 characters of A-Z a-z 0-9 - . _ ~")
	}
	return r, nil
}

// validVerifier checks RFC 7636 §4.1's syntax.
func validVerifier(v string) bool {
	if len(v) < 43 || len(v) > 128 {
		return false
	}
	for i := 0; i < len(v); i++ {
		if c := v[i]; !isBase64URL(c) && c != '.' && c != '~' {
			return false
		}
	}
	return true
}

func (g authCodeGrant) authorize(ctx context.Context, ex *exchange, req authCodeRequest) (*authorization, ScopePolicy, error) {
	s := g.s
	if !token.CheckOpaque(req.code, codePrefix) {
		return refuse(InvalidGrant("invalid authorization code"))
	}
	// The family's first refresh token is stored with the redemption, in
	// one write; its grant is copied from the code by the store.
	az := &authorization{familyID: rand.Text(), refresh: ex.app.AllowsGrant(domain.GrantRefreshToken)}
	var next *domain.RefreshToken
	if az.refresh {
		var err error
		if az.refreshToken, next, err = mintRefresh(ex, az.familyID, "", nil, nil); err != nil {
			return refuse(err)
		}
	}
	c, err := s.store.RedeemAuthCode(ctx, ex.tenant, secret.HashToken(req.code), az.familyID, next, ex.now)
	switch {
	case errors.Is(err, domain.ErrTokenReused):
		if err := s.revokeCodeTokens(ctx, ex, c); err != nil {
			return refuse(err)
		}
		return refuse(InvalidGrant("authorization code was already used; the tokens issued with it are revoked"))
	case errors.Is(err, domain.ErrNotFound):
		return refuse(InvalidGrant("invalid or expired authorization code"))
	case err != nil:
		return refuse(ServerError(err))
	}
	if c.ClientID != ex.app.ID || c.CreatedAt.Before(ex.app.CreatedAt.Truncate(time.Second)) {
		return refuse(InvalidGrant("authorization code was issued to another client"))
	}
	// RFC 6749 §4.1.3: the token request repeats the authorization
	// request's redirect_uri; one that left it out went to the client's
	// only redirect URI, which the token request may name all the same
	// (x/oauth2 always does).
	if c.RedirectURI != req.redirectURI && (c.RedirectURI != "" || !slices.Contains(ex.app.RedirectURIs, req.redirectURI)) {
		return refuse(InvalidGrant("redirect_uri differs from the authorization request's"))
	}
	sum := sha256.Sum256([]byte(req.verifier))
	if subtle.ConstantTimeCompare([]byte(base64.RawURLEncoding.EncodeToString(sum[:])), []byte(c.CodeChallenge)) != 1 {
		return refuse(InvalidGrant("code_verifier does not match the code challenge"))
	}
	user, roleScopes, err := s.store.GetUserWithScopes(ctx, ex.tenant, c.UserID)
	if errors.Is(err, domain.ErrNotFound) || err == nil && user.Disabled {
		return refuse(InvalidGrant("the user of this authorization code is no longer active"))
	}
	if err != nil {
		return refuse(ServerError(err))
	}
	az.subject, az.oidc = c.UserID, &idTokenFacts{user: user, code: c}
	if len(c.Resources) > 0 {
		az.audience = c.Resources
	}
	return az, OriginalGrant(c.Scopes, roleScopes), nil
}

// revokeCodeTokens revokes the tokens a code's first redemption issued
// (RFC 6749 §4.1.2): they share its family. The store revokes the
// family's refresh tokens, so none is issued from now on, and the family
// revocation outlives every access token issued until now. A family
// without refresh tokens (a client without the refresh grant) is only a
// family revocation.
func (s *Server) revokeCodeTokens(ctx context.Context, ex *exchange, c *domain.AuthCode) error {
	if c == nil || c.FamilyID == "" {
		return nil
	}
	r := domain.Revocation{Tenant: ex.tenant, Kind: domain.RevokeFamily, Value: c.FamilyID,
		ExpiresAt: ex.now.Add(domain.MaxAccessTokenTTL)}
	err := s.store.RevokeRefreshFamily(ctx, r.Tenant, r.Value, r.ExpiresAt)
	if errors.Is(err, domain.ErrNotFound) {
		err = s.store.AddRevocation(ctx, &r)
	}
	if err != nil {
		return ServerError(err)
	}
	s.revoked.Noted(r)
	return nil
}
