package oauth

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Audit grants of the developer portal's issuance: no grant_type on the
// wire names them, so they cannot be mistaken for the token endpoint's.
const (
	PortalGrantClient = "portal_client_credentials" // the client's own token
	PortalGrantUser   = "portal_user"               // a token for the owner, the client acting for them
)

// PortalToken asks, in the developer portal, for an access token of an
// application the signed-in user owns. The session vouches for the user,
// so no client secret is needed; nothing is issued that the token
// endpoint would not issue to the client itself.
type PortalToken struct {
	ClientID string
	Owner    string // the signed-in user, who must own the client
	// ForOwner: a token for the owner with the client acting for them
	// (their roles limit it); otherwise the client's own token, as
	// client_credentials gives it (clientPolicy limits it).
	ForOwner bool
	// Scopes must each be grantable: the portal shows what was asked for,
	// so none is dropped silently as the token endpoint may (RFC 6749
	// §3.3).
	Scopes []string
	// Validity shortens the token's lifetime; 0: the application's
	// access-token lifetime, which it may not exceed.
	Validity time.Duration
	// RemoteAddr is the caller's address; "": the one the request's
	// context carries (audit.OriginFrom).
	RemoteAddr string
}

// IssueForPortal issues the access token pt describes through the same
// issuing step as every grant, and records it like any token request.
// Its errors are the portal's: a *domain.InvalidError names the field
// ("scope", "validity", "grant") of a refused request, and a client the
// user does not own is domain.ErrNotFound.
func (s *Server) IssueForPortal(ctx context.Context, tenant string, pt PortalToken) (*TokenResponse, error) {
	ev := s.event(ctx, domain.ActionToken, &Request{Client: ClientCredentials{ID: pt.ClientID}, RemoteAddr: pt.RemoteAddr})
	ev.Grant, ev.UserID = PortalGrantClient, pt.Owner
	if pt.ForOwner {
		ev.Grant = PortalGrantUser
	}
	resp, err := s.issueForPortal(ctx, tenant, pt)
	if s.events != nil {
		s.record(ctx, tenant, &ev, portalAuditError(err))
	}
	return resp, err
}

func (s *Server) issueForPortal(ctx context.Context, tenant string, pt PortalToken) (*TokenResponse, error) {
	notFound := fmt.Errorf("application %q: %w", pt.ClientID, domain.ErrNotFound)
	if exists, err := s.tenantExists(ctx, tenant); err != nil {
		return nil, err
	} else if !exists {
		return nil, notFound
	}
	app, err := s.application(ctx, tenant, pt.ClientID)
	if errors.Is(err, domain.ErrNotFound) || err == nil && (app.Owner == "" || app.Owner != pt.Owner) {
		return nil, notFound
	}
	if err != nil {
		return nil, err
	}
	az := &authorization{}
	var policy ScopePolicy
	if pt.ForOwner {
		user, roleScopes, err := s.store.GetUserWithScopes(ctx, tenant, pt.Owner)
		if errors.Is(err, domain.ErrNotFound) || err == nil && user.Disabled {
			return nil, fmt.Errorf("user %q: %w", pt.Owner, domain.ErrNotFound)
		} else if err != nil {
			return nil, err
		}
		az.subject, policy = user.ID, UserRoles(roleScopes)
	} else {
		if !app.AllowsGrant(domain.GrantClientCredentials) {
			return nil, domain.Invalid("grant", "application %s may not use client_credentials", app.ID)
		}
		if policy, err = s.clientPolicy(ctx, tenant, app); err != nil {
			return nil, err
		}
	}
	if err := portalScopes(pt, app, policy); err != nil {
		return nil, err
	}
	if pt.Validity < 0 || pt.Validity > app.AccessTokenTTL || pt.Validity%time.Second != 0 {
		return nil, domain.Invalid("validity", "must be a whole number of seconds up to %s, the application's access-token lifetime", app.AccessTokenTTL)
	}
	ex := &exchange{tenant: tenant, req: &Request{RemoteAddr: pt.RemoteAddr}, app: app, now: s.now(),
		token: tokenParams{scope: scopeParam{names: pt.Scopes, asked: true}, validity: int64(pt.Validity / time.Second)}}
	return s.issue(ctx, ex, az, policy)
}

// portalScopes refuses, by name, any scope of pt the token could not
// carry: one the application may not request or the policy denies.
func portalScopes(pt PortalToken, app *domain.Application, policy ScopePolicy) error {
	if len(pt.Scopes) == 0 {
		return domain.Invalid("scope", "choose at least one scope")
	}
	for _, sc := range pt.Scopes {
		switch {
		case !domain.ValidScopeToken(sc):
			return domain.Invalid("scope", "malformed scope %q", sc)
		case !appAllows(app, sc):
			return domain.Invalid("scope", "application %s may not request scope %q", app.ID, sc)
		case !policy.allows(sc) && pt.ForOwner:
			return domain.Invalid("scope", "you do not hold scope %q", sc)
		case !policy.allows(sc):
			return domain.Invalid("scope", "an application you own may hold only scopes you hold, never %s: not %q", domain.AdminScope, sc)
		}
	}
	return nil
}

// portalAuditError puts a refusal in the protocol's words for the audit
// record and metrics, as the token endpoint would have refused it.
func portalAuditError(err error) error {
	var invalid *domain.InvalidError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &invalid) && invalid.Field == "scope":
		return InvalidScope(invalid.Reason)
	case errors.As(err, &invalid) && invalid.Field == "grant":
		return UnauthorizedClient(invalid.Reason)
	case errors.As(err, &invalid):
		return InvalidRequest(invalid.Reason)
	case errors.Is(err, domain.ErrNotFound):
		return InvalidClient(false)
	}
	return AsError(err)
}

// Issuer is tenant's issuer URL, the base of its endpoints and of its
// admin API, for the portal's usage examples.
func (s *Server) Issuer(tenant string) string { return s.keys.Issuer(tenant) }
