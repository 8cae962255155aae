package oauth

import (
	"errors"
	"slices"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// ScopePolicy is the limit a grant puts on a token's scopes beyond the
// application's own. Every grant's authorize returns one; the zero value
// is refused, never read as "no limit".
type ScopePolicy struct {
	kind     policyKind
	roles    []string // policyRoles, policyOriginal: the user's role scopes
	original []string // policyOriginal: the scopes first granted
}

type policyKind uint8

const (
	policyUnset    policyKind = iota // the zero value: a grant that stated none
	policyClient                     // ClientOnly
	policyRoles                      // UserRoles
	policyOriginal                   // OriginalGrant
	policyOwned                      // OwnedClient
)

// ClientOnly is the policy of a token that is the client's own
// (client_credentials): the application's scopes are the only limit.
func ClientOnly() ScopePolicy { return ScopePolicy{kind: policyClient} }

// UserRoles is the policy of a token for a user: the scopes of the user's
// roles bound it. A user without roles gets no scopes.
func UserRoles(scopes []string) ScopePolicy { return ScopePolicy{kind: policyRoles, roles: scopes} }

// OwnedClient is the policy of the own token of a client that a user
// registered in the developer portal: besides the application's scopes,
// what its owner's roles grant now, and never the admin scope, so nobody
// holds more through an application of theirs than they hold themself.
func OwnedClient(ownerScopes []string) ScopePolicy {
	return ScopePolicy{kind: policyOwned, roles: ownerScopes}
}

// OriginalGrant is the policy of a refresh (RFC 6749 §6): the scopes first
// granted, as far as the user's roles still allow them, and, when the
// request names no scope, those first granted rather than the
// application's defaults.
func OriginalGrant(granted, roles []string) ScopePolicy {
	return ScopePolicy{kind: policyOriginal, roles: roles, original: granted}
}

// allows reports whether the policy lets a token carry scope s. The
// OpenID Connect scopes ask only for the user's own claims, so no role
// needs to grant them; a client's own token has no user to describe.
func (p ScopePolicy) allows(s string) bool {
	oidc := domain.IsOIDCScope(s)
	switch p.kind {
	case policyClient:
		return !oidc
	case policyRoles:
		return oidc || slices.Contains(p.roles, s)
	case policyOriginal:
		return slices.Contains(p.original, s) && (oidc || slices.Contains(p.roles, s))
	case policyOwned:
		return !oidc && s != domain.AdminScope && slices.Contains(p.roles, s)
	default:
		return false
	}
}

// scopeParam is a token request's scope parameter (RFC 6749 §3.3).
type scopeParam struct {
	names []string // the scope tokens asked for
	// asked: scope was sent and was not just "default", so granting none
	// of it is an error.
	asked bool
	// asDefault: scope was just "default", as API-manager clients ask for
	// the default scopes; the response says "default" back.
	asDefault bool
}

// parseScope reads the scope parameter; "default" among other names is an
// ordinary scope name.
func parseScope(raw string) (scopeParam, error) {
	switch raw {
	case "":
		return scopeParam{}, nil
	case domain.ScopeDefault:
		return scopeParam{asDefault: true}, nil
	}
	names := strings.Fields(raw)
	for _, s := range names {
		if !domain.ValidScopeToken(s) {
			return scopeParam{}, InvalidScope("malformed scope " + strconv.Quote(s))
		}
	}
	return scopeParam{names: names, asked: true}, nil
}

// grantedScopes is requested ∩ application ∩ policy (DESIGN §2); with no
// scope requested, or just "default", the application's default scopes
// (a refresh: the original grant's) within the policy. RFC 6749 §3.3
// lets the server grant less than asked; granting nothing of a non-empty
// request is an error rather than a token for no purpose.
func grantedScopes(sp scopeParam, app *domain.Application, p ScopePolicy) ([]string, error) {
	if p.kind == policyUnset {
		return nil, ServerError(errors.New("oauth: a grant stated no scope policy"))
	}
	want := sp.names
	if !sp.asked {
		want = app.DefaultScopes
		if p.kind == policyOriginal {
			want = p.original
		}
	}
	var granted []string
	for _, s := range want {
		if appAllows(app, s) && p.allows(s) && !slices.Contains(granted, s) {
			granted = append(granted, s)
		}
	}
	if sp.asked && len(granted) == 0 {
		return nil, InvalidScope("none of the requested scopes may be granted")
	}
	return granted, nil
}

// appAllows reports whether app may request scope s: one of its scopes,
// or an OpenID Connect scope when it signs users in from a browser.
func appAllows(app *domain.Application, s string) bool {
	if domain.IsOIDCScope(s) {
		return app.AllowsGrant(domain.GrantAuthorizationCode)
	}
	return slices.Contains(app.Scopes, s)
}
