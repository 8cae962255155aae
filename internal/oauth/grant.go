package oauth

import (
	"context"
	"crypto/rand"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// grant is one grant type's own step: checking its credentials and saying
// whom the token is for. Everything else is common to all grants.
type grant interface {
	// clientRequired reports whether the client must authenticate; the
	// embed grant, whose secret is the credential, says no and picks the
	// application in authorize.
	clientRequired() bool
	authorize(ctx context.Context, ex *exchange) (*authorization, error)
}

// authorization is what a grant decided.
type authorization struct {
	app     *domain.Application // set by grants that pick the application
	subject string              // user id; empty for client_credentials
	// ceiling, when non-nil, bounds the scopes beyond the application's
	// (the user's role scopes, or a refresh family's original grant).
	ceiling []string
	// fallback replaces the application's default scopes when the request
	// names none (a refresh keeps the original grant's scopes, §6).
	fallback []string
	// audience, when non-nil, is the original audience a refresh may
	// narrow but not widen.
	audience []string
	// refresh says whether to return a refresh token; familyID and
	// refreshToken are set when the grant already stored it (rotation).
	refresh      bool
	familyID     string
	refreshToken string
	// redeem, when set, is the grant's last step, taken once scopes,
	// audience and lifetime are known to be good (a signed embed
	// request's nonce), so a request refused for them does not use it up.
	redeem func(context.Context) error
}

// issue completes a token request once the grant has authorized it.
func (s *Server) issue(ctx context.Context, ex *exchange, az *authorization) (*TokenResponse, error) {
	if az.app != nil {
		ex.app = az.app
	}
	app := ex.app
	requested := ex.req.Get("scope")
	scopes, err := grantedScopes(requested, app, az)
	if err != nil {
		return nil, err
	}
	aud, err := audience(ex.req.Resources, az.audience, app.ID)
	if err != nil {
		return nil, err
	}
	ttl, err := lifetime(ex.req.Get("validity_period"), app.AccessTokenTTL)
	if err != nil {
		return nil, err
	}
	if az.redeem != nil {
		if err := az.redeem(ctx); err != nil {
			return nil, err
		}
	}
	subject := az.subject
	if subject == "" {
		subject = app.ID // RFC 9068 §2.2: sub is the client for client_credentials
	}
	granted := strings.Join(scopes, " ")
	resp := &TokenResponse{TokenType: "Bearer", ExpiresIn: int64(ttl / time.Second), Scope: granted}
	if requested == domain.ScopeDefault {
		resp.Scope = domain.ScopeDefault // as API managers answer; the token carries the real scopes
	}
	if len(ex.req.Resources) > 0 {
		// Azure AD v1 takes one resource; several are joined like scopes.
		resp.Resource = strings.Join(ex.req.Resources, " ")
		resp.ExpiresOn = strconv.FormatInt(ex.now.Add(ttl).Unix(), 10)
	}
	if az.refresh && az.refreshToken == "" {
		az.familyID = rand.Text()
		rt, err := s.newRefreshToken(ctx, ex, az.familyID, az.subject, scopes, aud)
		if err != nil {
			return nil, err
		}
		az.refreshToken = rt
	}
	resp.RefreshToken = az.refreshToken
	resp.AccessToken, err = s.keys.Issue(ctx, ex.tenant, &token.Claims{
		Subject:   subject,
		Audience:  aud,
		ClientID:  app.ID,
		Scope:     granted,
		IssuedAt:  ex.now,
		ExpiresAt: ex.now.Add(ttl),
		FamilyID:  az.familyID,
	})
	if err != nil {
		return nil, ServerError(err)
	}
	return resp, nil
}

// newRefreshToken mints and stores the first token of a family.
func (s *Server) newRefreshToken(ctx context.Context, ex *exchange, family, subject string, scopes, aud []string) (string, error) {
	raw, rec, err := mintRefresh(ex, family, subject, scopes, aud)
	if err != nil {
		return "", err
	}
	if err := s.store.CreateRefreshToken(ctx, ex.tenant, rec); err != nil {
		return "", ServerError(err)
	}
	return raw, nil
}

// mintRefresh creates a refresh token and its record, not yet stored.
func mintRefresh(ex *exchange, family, subject string, scopes, aud []string) (string, *domain.RefreshToken, error) {
	raw := token.NewRefreshToken(ex.now)
	return raw, &domain.RefreshToken{
		Tenant:    ex.tenant,
		Hash:      token.RefreshKey(raw),
		FamilyID:  family,
		ClientID:  ex.app.ID,
		Subject:   subject,
		Scopes:    scopes,
		Audience:  aud,
		ExpiresAt: ex.now.Add(ex.app.RefreshTokenTTL),
		CreatedAt: ex.now,
	}, nil
}

// grantedScopes is requested ∩ application ∩ ceiling (DESIGN §2); with no
// scope requested, or just "default" (API-manager clients ask so), the
// fallback or the application's default scopes. RFC 6749 §3.3 lets the
// server grant less than asked; granting nothing of a non-empty request
// is an error rather than a token for no purpose.
func grantedScopes(requested string, app *domain.Application, az *authorization) ([]string, error) {
	if requested == domain.ScopeDefault {
		requested = ""
	}
	var want []string
	if requested == "" {
		want = app.DefaultScopes
		if az.fallback != nil {
			want = az.fallback
		}
	} else {
		want = strings.Fields(requested)
		for _, s := range want {
			if !domain.ValidScopeToken(s) {
				return nil, InvalidScope("malformed scope " + strconv.Quote(s))
			}
		}
	}
	var granted []string
	for _, s := range want {
		if slices.Contains(app.Scopes, s) && (az.ceiling == nil || slices.Contains(az.ceiling, s)) && !slices.Contains(granted, s) {
			granted = append(granted, s)
		}
	}
	if requested != "" && len(granted) == 0 {
		return nil, InvalidScope("none of the requested scopes may be granted")
	}
	return granted, nil
}

// audience turns resource indicators into the token's aud (RFC 8707 §2):
// absolute URIs without fragment. Without any, the token is for the
// client itself, or keeps the original audience on refresh, which a
// refresh may narrow but not widen.
func audience(resources, original []string, clientID string) ([]string, error) {
	for _, r := range resources {
		u, err := url.Parse(r)
		if err != nil || !u.IsAbs() || u.Fragment != "" || strings.Contains(r, "#") {
			return nil, InvalidTarget("resource must be an absolute URI without a fragment")
		}
		if original != nil && !slices.Contains(original, r) {
			return nil, InvalidTarget("resource " + strconv.Quote(r) + " was not part of the original grant")
		}
	}
	switch {
	case len(resources) > 0:
		return slices.Compact(slices.Sorted(slices.Values(resources))), nil
	case original != nil:
		return original, nil
	default:
		return []string{clientID}, nil
	}
}

// lifetime applies validity_period, which may shorten the access token's
// lifetime but never lengthen it.
func lifetime(validity string, max time.Duration) (time.Duration, error) {
	if validity == "" {
		return max, nil
	}
	n, err := strconv.ParseInt(validity, 10, 64)
	if err != nil || n <= 0 {
		return 0, InvalidRequest("validity_period must be a positive number of seconds")
	}
	if d := time.Duration(n) * time.Second; n < int64(max/time.Second) {
		return d, nil
	}
	return max, nil
}
