package oauth

import (
	"context"
	"crypto/sha256"
	"crypto/sha512"
	"encoding/base64"
	"hash"
	"slices"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// idTokenFacts are what an ID token says beyond the access token: the
// user, and the sign-in the code records.
type idTokenFacts struct {
	user *domain.User
	code *domain.AuthCode
}

// idTokenClaims are OIDC Core §2's, and §5.4's standard claims by scope.
type idTokenClaims struct {
	Issuer   string   `json:"iss"`
	Subject  string   `json:"sub"`
	Audience string   `json:"aud"`
	Expires  int64    `json:"exp"`
	IssuedAt int64    `json:"iat"`
	AuthTime int64    `json:"auth_time"`
	Nonce    string   `json:"nonce,omitempty"`
	AtHash   string   `json:"at_hash"`
	SID      string   `json:"sid,omitempty"`
	AMR      []string `json:"amr,omitempty"`
	AZP      string   `json:"azp"`
	UserClaims
}

// UserClaims are the user's claims the profile and email scopes release
// (OIDC Core §5.4), in ID tokens and at the userinfo endpoint.
type UserClaims struct {
	Name              string `json:"name,omitempty"`
	PreferredUsername string `json:"preferred_username,omitempty"`
	UpdatedAt         int64  `json:"updated_at,omitempty"`
	Email             string `json:"email,omitempty"`
	EmailVerified     *bool  `json:"email_verified,omitempty"`
}

// userClaims releases u's claims for the granted scopes.
func userClaims(u *domain.User, scopes []string) UserClaims {
	var c UserClaims
	if slices.Contains(scopes, domain.ScopeProfile) {
		c.Name, c.PreferredUsername, c.UpdatedAt = u.DisplayName, u.ID, u.UpdatedAt.Unix()
		if c.Name == "" {
			c.Name = u.ID
		}
	}
	if slices.Contains(scopes, domain.ScopeEmail) && u.Email != "" {
		// Tollgate does not verify addresses; a provider's users come
		// with whatever the provider checked, which it does not repeat.
		verified := false
		c.Email, c.EmailVerified = u.Email, &verified
	}
	return c
}

// idToken signs the ID token that accompanies accessToken (OIDC Core
// §3.1.3.3) for a code granted scopes, which include openid, with the
// algorithm the application asked for (RS256, §15.1) or else the tenant's.
func (s *Server) idToken(ctx context.Context, ex *exchange, f *idTokenFacts, scopes []string, accessToken string, ttl time.Duration) (string, error) {
	claims := idTokenClaims{
		Issuer:     s.keys.Issuer(ex.tenant),
		Subject:    f.user.ID,
		Audience:   ex.app.ID,
		IssuedAt:   ex.now.Unix(),
		Expires:    ex.now.Add(ttl).Unix(),
		AuthTime:   f.code.AuthTime.Unix(),
		Nonce:      f.code.Nonce,
		SID:        f.code.SessionID,
		AMR:        f.code.Methods,
		AZP:        ex.app.ID,
		UserClaims: userClaims(f.user, scopes),
	}
	raw, err := s.keys.SignIDToken(ctx, ex.tenant, ex.app.IDTokenSigningAlg, func(alg string) any {
		claims.AtHash = halfHash(alg, accessToken)
		return claims
	})
	if err != nil {
		return "", ServerError(err)
	}
	return raw, nil
}

// halfHash is the left half of the hash of s that matches alg's, base64url
// (OIDC Core §3.1.3.6); EdDSA uses SHA-512, as Ed25519 does.
func halfHash(alg, s string) string {
	var h hash.Hash
	switch {
	case strings.HasSuffix(alg, "384"):
		h = sha512.New384()
	case strings.HasSuffix(alg, "512"), alg == "EdDSA":
		h = sha512.New()
	default:
		h = sha256.New()
	}
	h.Write([]byte(s))
	sum := h.Sum(nil)
	return base64.RawURLEncoding.EncodeToString(sum[:len(sum)/2])
}
