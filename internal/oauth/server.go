package oauth

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/tollgate-dev/tollgate/internal/audit"
	"github.com/tollgate-dev/tollgate/internal/authn"
	"github.com/tollgate-dev/tollgate/internal/cache"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/federation"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/store"
	"github.com/tollgate-dev/tollgate/internal/telemetry"
	"github.com/tollgate-dev/tollgate/internal/throttle"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// Config holds the Server's dependencies.
type Config struct {
	Store   store.Store
	Hasher  *secret.Hasher
	Keys    *token.Keyring
	Revoked *token.Revocations
	Logger  *slog.Logger
	// CacheTTL bounds how stale a cached client or tenant may be on nodes
	// other than the one that changed it.
	CacheTTL time.Duration
	Now      func() time.Time
	// Events, when set, receives an audit event for every token request,
	// revocation and refused introspection.
	Events audit.Sink
	// Sealer opens the tenants' embed secrets; nil disables the embed grant.
	Sealer *secret.Sealer
	// Limiter throttles password guessing; nil: one with the default
	// limits. Share it with whatever else signs users in and unlocks them.
	Limiter *throttle.Limiter
	// Credentials answers introspection of access and API tokens; nil:
	// access tokens only (API tokens are inactive).
	Credentials *authn.Authenticator
	// ClientKeysClient fetches the key sets clients publish at a jwksUri
	// (private_key_jwt); it must apply the upstream rule. nil: such
	// clients cannot authenticate.
	ClientKeysClient *http.Client
	// DPoPNonces, when set, makes every DPoP proof carry a nonce the
	// server handed out (RFC 9449 §8); nil: proofs need none.
	DPoPNonces *token.DPoPNonces
	// ExternalTokens checks tokens of the tenants' identity providers
	// offered for token exchange; nil: only the tenants' own tokens.
	ExternalTokens ExternalTokens
}

// ExternalTokens checks a token of one of a tenant's identity providers
// (federation.Federation): an error wrapping federation.ErrExternalToken
// is a bad token, any other a failed check.
type ExternalTokens interface {
	VerifyToken(ctx context.Context, tenant, raw string) (*federation.ExternalUser, error)
}

// Server is the authorization server's protocol logic.
type Server struct {
	store    store.Store
	keys     *token.Keyring
	revoked  *token.Revocations
	log      *slog.Logger
	now      func() time.Time
	grants   map[string]handler                      // by grant_type
	clients  *cache.TTL[string, *domain.Application] // by client id, unique across tenants
	tenants  *cache.TTL[string, bool]
	userAuth *authn.Passwords     // the password grant's username and password
	verifier *authn.Authenticator // introspected access and API tokens
	events   audit.Sink
	sealer   *secret.Sealer
	keySets  *clientKeySets // private_key_jwt (client_assertion.go)
	nonces   *token.DPoPNonces
	external ExternalTokens
}

// NewServer returns a Server with every grant registered.
func NewServer(c Config) *Server {
	if c.CacheTTL == 0 {
		c.CacheTTL = 5 * time.Second
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	if c.Limiter == nil {
		c.Limiter = throttle.New(c.Store, throttle.DefaultLimits())
	}
	if c.Credentials == nil {
		c.Credentials = authn.New(authn.NewAccessTokens(c.Keys.KeySource, c.Revoked, nil))
	}
	s := &Server{
		store:    c.Store,
		keys:     c.Keys,
		revoked:  c.Revoked,
		log:      c.Logger,
		now:      c.Now,
		clients:  cache.New[string, *domain.Application](c.CacheTTL, 100_000),
		tenants:  cache.New[string, bool](c.CacheTTL, 10_000),
		userAuth: authn.NewPasswords(c.Store, c.Hasher, c.Limiter, c.Logger),
		verifier: c.Credentials,
		events:   c.Events,
		sealer:   c.Sealer,
		keySets:  newClientKeySets(c.ClientKeysClient),
		nonces:   c.DPoPNonces,
		external: c.ExternalTokens,
	}
	s.grants = map[string]handler{}
	register[passwordRequest](s, domain.GrantPassword, passwordGrant{s})
	register[clientCredentialsRequest](s, domain.GrantClientCredentials, clientCredentialsGrant{s})
	register[refreshRequest](s, domain.GrantRefreshToken, refreshGrant{s})
	register[embedRequest](s, domain.GrantEmbedSecret, embedGrant{s})
	register[authCodeRequest](s, domain.GrantAuthorizationCode, authCodeGrant{s})
	register[tokenExchangeRequest](s, domain.GrantTokenExchange, tokenExchangeGrant{s})
	return s
}

// Changed drops what the caches of clients and tenants hold of c (a
// feed.Handler). A scope's forced delete edits applications' scopes; a
// tenant's deletion removes its clients.
func (s *Server) Changed(_ context.Context, c domain.Change) error {
	switch c.Entity {
	case domain.EntityApplication:
		if c.ID != "" {
			s.clients.Delete(c.ID)
			return nil
		}
		s.clients.Clear()
	case domain.EntityTenant:
		s.tenants.Delete(c.Tenant)
		s.clients.Clear()
	case domain.EntityScope:
		s.clients.Clear()
	case "":
		s.tenants.Clear()
		s.clients.Clear()
	}
	return nil
}

// TokenResponse is the success body of RFC 6749 §5.1.
type TokenResponse struct {
	AccessToken  string `json:"access_token"`
	TokenType    string `json:"token_type"`
	ExpiresIn    int64  `json:"expires_in"`
	RefreshToken string `json:"refresh_token,omitempty"`
	Scope        string `json:"scope"`
	// Resource and ExpiresOn answer a request that named a resource as
	// Azure AD v1 does, for clients written for it: the resource again,
	// and the expiry in Unix seconds as a string.
	Resource  string `json:"resource,omitempty"`
	ExpiresOn string `json:"expires_on,omitempty"`
	// IDToken answers a code granted scope openid (OIDC Core §3.1.3.3).
	IDToken string `json:"id_token,omitempty"`
	// IssuedTokenType answers a token exchange (RFC 8693 §2.2.1).
	IssuedTokenType string `json:"issued_token_type,omitempty"`
}

// token handles a token request for tenant: grant_type picks the grant,
// whose fixed steps do the rest (steps.handle). ev collects what the audit
// event of the request records.
func (s *Server) token(ctx context.Context, tenant string, req *Request, ev *audit.Event) (*TokenResponse, error) {
	gt := req.params.get("grant_type")
	if gt == "" {
		return nil, InvalidRequest("missing grant_type")
	}
	h, ok := s.grants[gt]
	if !ok {
		return nil, UnsupportedGrantType("grant_type " + strconv.Quote(gt) + " is not supported")
	}
	ev.Grant = gt
	ctx, span := telemetry.Start(ctx, "grant", gt)
	resp, f, err := h.handle(ctx, tenant, req)
	telemetry.End(span, err)
	ev.Tenant, ev.UserID = f.tenant, f.userID
	if f.clientID != "" {
		ev.ClientID = f.clientID
	}
	return resp, err
}

// resolveTenant returns the tenant a request is for. On the default
// tenant's paths that is the tenant of the client (DESIGN §2), whose id is
// unique across tenants; the client authenticates afterwards, in that
// tenant. An unknown client id stays in the default tenant and fails
// there, like anywhere else. Usernames play no part, so neither the
// tenants that exist nor a default user named "x@tenant" change the answer.
func (s *Server) resolveTenant(ctx context.Context, tenant, clientID string) (string, error) {
	if tenant == domain.DefaultTenant && clientID != "" && !isBuiltinClient(clientID) {
		app, err := s.client(ctx, clientID)
		if err == nil {
			return app.Tenant, nil
		}
		if !errors.Is(err, domain.ErrNotFound) {
			return "", ServerError(err)
		}
	}
	if exists, err := s.tenantExists(ctx, tenant); err != nil {
		return "", err
	} else if !exists {
		return "", UnknownTenant()
	}
	return tenant, nil
}

// UnknownTenant is the error for a URL naming a tenant that does not exist.
func UnknownTenant() *Error {
	return newError(http.StatusNotFound, CodeInvalidRequest, "unknown tenant")
}

// CheckTenant returns UnknownTenant when tenant does not exist.
func (s *Server) CheckTenant(ctx context.Context, tenant string) error {
	exists, err := s.tenantExists(ctx, tenant)
	if err != nil {
		return err
	}
	if !exists {
		return UnknownTenant()
	}
	return nil
}

func (s *Server) tenantExists(ctx context.Context, tenant string) (bool, error) {
	if exists, ok := s.tenants.Get(tenant); ok {
		return exists, nil
	}
	version := s.tenants.Version()
	_, err := s.store.GetTenant(ctx, tenant)
	switch {
	case err == nil:
		s.tenants.PutIfUnchanged(tenant, true, version)
		return true, nil
	case errors.Is(err, domain.ErrNotFound):
		s.tenants.PutIfUnchanged(tenant, false, version)
		return false, nil
	default:
		return false, ServerError(err)
	}
}

// authenticateClient checks a client's id and secret (RFC 6749 §2.3.1).
// Client secrets are 256-bit random values, so a SHA-256 compared in
// constant time is as safe as a slow hash and far cheaper.
//
// A public client (RFC 6749 §2.1) has no secret: it names itself with
// client_id and may send nothing else, which is safe only because the
// grants it may use are bound to something else it holds (PKCE's
// verifier, a refresh token issued to it).
func (s *Server) authenticateClient(ctx context.Context, tenant string, c ClientCredentials) (*domain.Application, error) {
	if c.Assertion != "" {
		return s.authenticateAssertion(ctx, tenant, c)
	}
	if c.ID == "" {
		return nil, InvalidClient(c.Basic)
	}
	app, err := s.application(ctx, tenant, c.ID)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, InvalidClient(c.Basic)
	}
	if err != nil {
		return nil, ServerError(err)
	}
	if app.IsPublic() && c.Secret == "" && !c.Basic {
		return app, nil
	}
	// A client with registered keys authenticates with them only.
	if app.IsPublic() || app.UsesKeys() || c.Secret == "" || !secret.Equal(secret.HashToken(c.Secret), app.SecretHash) {
		return nil, InvalidClient(c.Basic)
	}
	return app, nil
}

func (s *Server) application(ctx context.Context, tenant, id string) (*domain.Application, error) {
	if id == domain.ConsoleApplicationID {
		return s.consoleApp(ctx, tenant)
	}
	if isEmbedClient(id) {
		// Never cached: disabling embed or regenerating its secret must
		// take effect at once.
		app, _, err := s.embedSettings(ctx, tenant)
		if oe := (*Error)(nil); errors.As(err, &oe) && oe.Code == CodeInvalidGrant {
			return nil, domain.ErrNotFound // embed off: no such client
		}
		return app, err
	}
	app, err := s.client(ctx, id)
	if err == nil && app.Tenant != tenant {
		return nil, domain.ErrNotFound
	}
	return app, err
}

// client returns the application with client id id, of whichever tenant.
func (s *Server) client(ctx context.Context, id string) (*domain.Application, error) {
	if app, ok := s.clients.Get(id); ok {
		return app, nil
	}
	version := s.clients.Version()
	app, err := s.store.GetApplicationByClientID(ctx, id)
	if err != nil {
		return nil, err
	}
	s.clients.PutIfUnchanged(id, app, version)
	return app, nil
}

// isEmbedClient reports the built-in embed application's id, which every
// tenant has and which is not stored with the applications.
func isEmbedClient(id string) bool {
	return id == domain.EmbedApplicationID || id == domain.LegacyEmbedApplicationID
}

// isBuiltinClient reports the ids every tenant has: they name no tenant,
// so on the default tenant's paths they stay in the default tenant.
func isBuiltinClient(id string) bool { return isEmbedClient(id) || id == domain.ConsoleApplicationID }

// exchange carries one token request through the fixed steps.
type exchange struct {
	tenant string
	req    *Request    // the client's credentials, resources and address
	token  tokenParams // the parameters every grant shares
	app    *domain.Application
	now    time.Time
	// viaDefault: the request came on the default tenant's paths from a
	// client of tenant (see resolveTenant).
	viaDefault bool
	dpop       *token.DPoPProof // the request's checked proof, or nil (dpop.go)
}
