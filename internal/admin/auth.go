package admin

import (
	"context"
	"errors"

	"github.com/tollgate-dev/tollgate/internal/authn"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// Authenticator turns the bearer credential of an admin request into a
// Principal; authn decides who the credential stands for.
type Authenticator struct {
	creds    *authn.Authenticator
	sessions *authn.Authenticator // browser sessions' cookies; asked only for them
}

// NewAuthenticator returns an Authenticator that accepts the bootstrap
// token, gateway credentials (for the feed only, see CanReadGatewayFeed),
// API tokens through apiTokens (nil: none) and access tokens of existing
// tenants; browser sessions through sessions (nil: none), asked only by
// AuthenticateSession. revoked may be nil in tools that do not follow
// revocations.
func NewAuthenticator(st store.Store, keys *token.KeySource, revoked *token.Revocations, apiTokens authn.APITokenLookup,
	sessions authn.SessionLookup) *Authenticator {
	methods := []authn.Method{authn.NewBootstrap(st), authn.NewGatewayCredentials(st, revoked)}
	if apiTokens != nil {
		methods = append(methods, authn.NewAPITokens(apiTokens))
	}
	// Admin URLs may name any tenant: an unknown one must not get a
	// key-cache entry.
	methods = append(methods, authn.NewAccessTokens(keys, revoked, st))
	a := &Authenticator{creds: authn.New(methods...), sessions: authn.New()}
	if sessions != nil {
		a.sessions = authn.New(authn.NewSessions(sessions, st))
	}
	return a
}

// Authenticate checks the bearer token of a request addressed to tenant;
// "" (no bearer token) is unauthenticated. Reading it from the request is
// the HTTP layer's part.
func (a *Authenticator) Authenticate(ctx context.Context, tenant, bearer string) (Principal, error) {
	if bearer == "" {
		return Principal{}, ErrUnauthenticated
	}
	return principal(a.creds.VerifyBearer(ctx, tenant, bearer))
}

// AuthenticateSession checks a browser session's cookie value for tenant:
// the session's user, with the scopes of their roles. Whether the request
// may use a cookie at all (its origin) is the HTTP layer's part.
func (a *Authenticator) AuthenticateSession(ctx context.Context, tenant, cookie string) (Principal, error) {
	return principal(a.sessions.Verify(ctx, tenant, cookie))
}

// Changed drops what the credential checks cached of c (a feed.Handler).
func (a *Authenticator) Changed(ctx context.Context, c domain.Change) error {
	return a.creds.Changed(ctx, c)
}

// LookupAPIToken resolves an API token of tenant, and nothing else, for
// the gateway feed: a remote gateway asks who a token stands for.
func (a *Authenticator) LookupAPIToken(ctx context.Context, tenant, raw string) (Principal, error) {
	return principal(a.creds.VerifyKind(ctx, authn.KindAPIToken, tenant, raw))
}

// principal is the admin view of an authn result. An API token or an
// access token acts as its user with its scopes, so it administers the
// tenant only if it carries tollgate:admin.
func principal(p *authn.Principal, err error) (Principal, error) {
	if errors.Is(err, authn.ErrInvalid) {
		return Principal{}, ErrUnauthenticated
	}
	if err != nil {
		return Principal{}, err
	}
	switch p.Kind {
	case authn.KindBootstrap:
		return Principal{Bootstrap: true, SessionID: p.SessionID, Until: p.ExpiresAt}, nil
	case authn.KindGatewayCredential:
		return Principal{GatewayCredential: p.CredentialID}, nil
	}
	a := Principal{Tenant: p.Tenant, Subject: p.Subject, Scopes: p.Scopes}
	if p.Kind == authn.KindSession {
		a.SessionID, a.Until = p.SessionID, p.ExpiresAt
	}
	return a, nil
}
