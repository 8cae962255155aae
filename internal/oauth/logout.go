package oauth

import (
	"context"
	"errors"
	"net/url"
	"slices"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// LogoutRequest is a validated RP-initiated logout request (OpenID
// Connect RP-Initiated Logout 1.0 §2).
type LogoutRequest struct {
	Tenant string
	// Hinted: an id_token_hint this tenant signed came with the request,
	// for Subject (and SessionID when it had one), so the client asked
	// and signing out needs no confirmation.
	Hinted    bool
	Subject   string
	SessionID string
	// Redirect is where to send the user agent afterwards: a registered
	// post-logout redirect URI with state; "" to show a page.
	Redirect string
}

// ParseLogout validates a logout request of tenant. A redirect goes only
// to a post_logout_redirect_uri registered for the client that the
// request names (client_id, or the ID token's audience); every refusal
// is an *Error for a page, never a redirect.
func (s *Server) ParseLogout(ctx context.Context, tenant string, q url.Values) (*LogoutRequest, error) {
	for name, vs := range q {
		if len(vs) > 1 {
			return nil, InvalidRequest("parameter " + name + " repeated")
		}
	}
	if err := s.CheckTenant(ctx, tenant); err != nil {
		return nil, err
	}
	lr := &LogoutRequest{Tenant: tenant}
	clientID := q.Get("client_id")
	if raw := q.Get("id_token_hint"); raw != "" {
		hint, err := s.keys.VerifyIDTokenHint(ctx, tenant, raw)
		if err != nil {
			return nil, InvalidRequest("id_token_hint is not an ID token of this issuer")
		}
		if clientID == "" && len(hint.Audience) > 0 {
			clientID = hint.Audience[0]
		} else if clientID != "" && !slices.Contains(hint.Audience, clientID) {
			return nil, InvalidRequest("client_id is not the audience of id_token_hint")
		}
		lr.Hinted, lr.Subject, lr.SessionID = true, hint.Subject, hint.SID
	}
	target := q.Get("post_logout_redirect_uri")
	if target == "" {
		return lr, nil
	}
	if clientID == "" {
		return nil, InvalidRequest("post_logout_redirect_uri needs client_id or id_token_hint")
	}
	app, err := s.application(ctx, tenant, clientID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, InvalidRequest("unknown client_id")
	}
	if err != nil {
		return nil, ServerError(err)
	}
	if !slices.Contains(app.PostLogoutRedirectURIs, target) {
		return nil, InvalidRequest("post_logout_redirect_uri is not registered for this client")
	}
	lr.Redirect = target
	if state := q.Get("state"); state != "" {
		lr.Redirect = withQuery(target, url.Values{"state": {state}})
	}
	return lr, nil
}
