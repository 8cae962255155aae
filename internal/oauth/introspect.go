package oauth

import (
	"cmp"
	"context"
	"errors"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/authn"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// Introspection is the RFC 7662 §2.2 response. Inactive tokens carry only
// active=false, so nothing about them leaks.
type Introspection struct {
	Active    bool     `json:"active"`
	Scope     string   `json:"scope,omitempty"`
	ClientID  string   `json:"client_id,omitempty"`
	Subject   string   `json:"sub,omitempty"`
	Audience  []string `json:"aud,omitempty"`
	Issuer    string   `json:"iss,omitempty"`
	ExpiresAt int64    `json:"exp,omitempty"`
	IssuedAt  int64    `json:"iat,omitempty"`
	TokenID   string   `json:"jti,omitempty"`
	TokenType string   `json:"token_type,omitempty"`
	// CNF names the DPoP key a bound token is bound to (RFC 9449 §6.2).
	CNF *Confirmation `json:"cnf,omitempty"`
	// Act is who acts for the subject (RFC 8693 §4.1, §2.2 of RFC 7662's
	// extension), for a token issued by token exchange.
	Act *token.Actor `json:"act,omitempty"`
}

// Confirmation is a bound token's cnf member.
type Confirmation struct {
	JKT string `json:"jkt"`
}

func confirmation(jkt string) *Confirmation {
	if jkt == "" {
		return nil
	}
	return &Confirmation{JKT: jkt}
}

// introspect answers whether a token is active (RFC 7662). The caller must
// authenticate as a client of the tenant (§2.1), which exists (see
// Introspect).
func (s *Server) introspect(ctx context.Context, tenant string, req *Request) (*Introspection, error) {
	if _, err := s.authenticateClient(ctx, tenant, req.Client); err != nil {
		return nil, err
	}
	raw := req.Token
	if raw == "" {
		return nil, InvalidRequest("missing token")
	}
	if strings.HasPrefix(raw, token.PrefixRefresh) {
		return s.introspectRefresh(ctx, tenant, raw)
	}
	p, err := s.verifier.Verify(ctx, tenant, raw)
	if errors.Is(err, authn.ErrInvalid) {
		return &Introspection{}, nil
	}
	if err != nil {
		return nil, ServerError(err) // unknown is not inactive
	}
	return introspection(p, s.keys.Issuer(tenant)), nil
}

// introspection describes an active access or API token of the tenant
// whose issuer is issuer (API tokens carry none of their own).
func introspection(p *authn.Principal, issuer string) *Introspection {
	in := &Introspection{
		Active:   true,
		Scope:    strings.Join(p.Scopes, " "),
		ClientID: p.Client,
		Subject:  p.Subject,
		Audience: p.Audience,
		Issuer:   cmp.Or(p.Issuer, issuer),
		IssuedAt: p.AuthTime.Unix(),
	}
	if !p.ExpiresAt.IsZero() {
		in.ExpiresAt = p.ExpiresAt.Unix()
	}
	switch p.Kind {
	case authn.KindAccessToken:
		in.TokenID, in.TokenType, in.CNF, in.Act = p.CredentialID, "Bearer", confirmation(p.BoundKey), p.Actor
		if p.BoundKey != "" {
			in.TokenType = TokenTypeDPoP
		}
	case authn.KindAPIToken:
		in.TokenType = "api_token"
	}
	return in
}

func (s *Server) introspectRefresh(ctx context.Context, tenant, raw string) (*Introspection, error) {
	if !token.CheckRefreshToken(raw) {
		return &Introspection{}, nil
	}
	rt, err := s.store.GetRefreshToken(ctx, tenant, token.RefreshKey(raw), s.now())
	if errors.Is(err, domain.ErrNotFound) {
		return &Introspection{}, nil
	}
	if err != nil {
		return nil, ServerError(err)
	}
	return &Introspection{
		Active:    true,
		Scope:     strings.Join(rt.Scopes, " "),
		ClientID:  rt.ClientID,
		Subject:   rt.Subject,
		Audience:  rt.Audience,
		Issuer:    s.keys.Issuer(tenant),
		ExpiresAt: rt.ExpiresAt.Unix(),
		IssuedAt:  rt.CreatedAt.Unix(),
		TokenType: "refresh_token",
		CNF:       confirmation(rt.JKT),
	}, nil
}

// revoke revokes an access or refresh token (RFC 7009). Unknown and
// invalid tokens get the same success answer (§2.2); a token issued to
// another client is refused (§2.1). The tenant exists (see Revoke).
func (s *Server) revoke(ctx context.Context, tenant string, req *Request) error {
	app, err := s.authenticateClient(ctx, tenant, req.Client)
	if err != nil {
		return err
	}
	raw := req.Token
	if raw == "" {
		return InvalidRequest("missing token")
	}
	if strings.HasPrefix(raw, token.PrefixRefresh) {
		if !token.CheckRefreshToken(raw) {
			return nil
		}
		// A rotated token still names its session, and revoking it must
		// end that session (RFC 7009 §2.1), so look it up in any state.
		rt, err := s.store.FindRefreshToken(ctx, tenant, token.RefreshKey(raw), s.now())
		if errors.Is(err, domain.ErrNotFound) {
			return nil
		}
		if err != nil {
			return ServerError(err)
		}
		if !issuedTo(rt.ClientID, app.ID) {
			return UnauthorizedClient("the token was issued to another client")
		}
		return s.revokeFamily(ctx, tenant, rt)
	}
	c, err := s.keys.Verify(ctx, tenant, raw)
	if errors.Is(err, domain.ErrUnavailable) {
		return ServerError(err) // RFC 7009 §2.2.1: retry later, it is not revoked
	}
	if err != nil {
		return nil // invalid or expired: nothing to revoke
	}
	if !issuedTo(c.ClientID, app.ID) {
		return UnauthorizedClient("the token was issued to another client")
	}
	rev := &domain.Revocation{Tenant: tenant, Kind: domain.RevokeTokenID, Value: c.ID, ExpiresAt: c.ExpiresAt}
	if err := s.revoked.Revoke(ctx, rev); err != nil {
		return ServerError(err)
	}
	return nil
}

// issuedTo reports whether a token naming client tokenClient belongs to
// the authenticated client appID. Access tokens issued before the embed
// client's rename still name tollgate:embed until they expire.
func issuedTo(tokenClient, appID string) bool {
	return tokenClient == appID || (isEmbedClient(tokenClient) && isEmbedClient(appID))
}
