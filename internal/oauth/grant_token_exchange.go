package oauth

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/authn"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/federation"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// tokenExchangeGrant: RFC 8693. A client trades a token standing for a
// user (the subject token: this tenant's access or API token, or a token
// of one of the tenant's identity providers) for an access token of its
// own for that user, narrowed to an audience and scopes. With an actor
// token, the new token says who acts for the user (act, nested for a
// chain: delegation); without one, it is simply the user's
// (impersonation). The client's tokenExchange policy decides which
// issuers, whether impersonation, and which audiences.
type tokenExchangeGrant struct{ s *Server }

// Token type identifiers (RFC 8693 §3).
const (
	TokenTypeAccessToken = "urn:ietf:params:oauth:token-type:access_token"
	TokenTypeJWT         = "urn:ietf:params:oauth:token-type:jwt"
	TokenTypeIDToken     = "urn:ietf:params:oauth:token-type:id_token"
)

// maxActorDepth bounds a delegation chain, so act claims cannot grow
// with every hop.
const maxActorDepth = 8

type tokenExchangeRequest struct {
	subject, subjectType string
	actor, actorType     string
	audience             string
}

func (tokenExchangeRequest) claimedUser() string { return "" }

var _ grant[tokenExchangeRequest] = tokenExchangeGrant{}

func (tokenExchangeGrant) clientRequired() bool { return true }

func (tokenExchangeGrant) parse(p params) (tokenExchangeRequest, error) {
	r := tokenExchangeRequest{subject: p.get("subject_token"), subjectType: p.get("subject_token_type"),
		actor: p.get("actor_token"), actorType: p.get("actor_token_type"), audience: p.get("audience")}
	switch {
	case r.subject == "" || r.subjectType == "":
		return r, InvalidRequest("subject_token and subject_token_type are required")
	case !knownTokenType(r.subjectType):
		return r, InvalidRequest("unsupported subject_token_type; use " + TokenTypeAccessToken + ", " + TokenTypeJWT + " or " + TokenTypeIDToken)
	case (r.actor == "") != (r.actorType == ""):
		return r, InvalidRequest("actor_token and actor_token_type go together")
	case r.actor != "" && !knownTokenType(r.actorType):
		return r, InvalidRequest("unsupported actor_token_type")
	}
	if rt := p.get("requested_token_type"); rt != "" && rt != TokenTypeAccessToken && rt != TokenTypeJWT {
		return r, InvalidRequest("requested_token_type must be " + TokenTypeAccessToken + ": an access token is what is issued")
	}
	return r, nil
}

func knownTokenType(t string) bool {
	return t == TokenTypeAccessToken || t == TokenTypeJWT || t == TokenTypeIDToken
}

// authorize checks both tokens and the client's policy. A token that is
// bad, or that the policy does not accept, is invalid_request (RFC 8693
// §2.2.2); a client without a policy, or that may not impersonate, is
// unauthorized_client; an audience the policy does not list is
// invalid_target.
//
// The actor is the requesting client itself, proven by a token of its own
// (client_credentials): a client can put only itself in act, not the
// subject (which would pass an impersonation off as delegation) nor
// anyone else. The new token lives no longer than the subject token and
// carries its session (sid), so ending that session ends it too.
func (g tokenExchangeGrant) authorize(ctx context.Context, ex *exchange, req tokenExchangeRequest) (*authorization, ScopePolicy, error) {
	policy := ex.app.TokenExchange
	if policy == nil {
		return refuse(UnauthorizedClient("the client has no token exchange policy"))
	}
	subject, err := g.s.exchangeParty(ctx, ex, policy, req.subject, req.subjectType)
	if err != nil {
		return refuse(err)
	}
	if subject.userID == "" {
		return refuse(InvalidRequest("the subject_token stands for no user (a client's own token)"))
	}
	az := &authorization{subject: subject.userID, exchanged: true, familyID: subject.family, notAfter: subject.expires}
	if req.actor == "" {
		if !policy.AllowImpersonation {
			return refuse(UnauthorizedClient("the client may not impersonate: send an actor_token"))
		}
		az.act = subject.act // the chain so far, if any, carries over
	} else {
		if err := g.s.checkActor(ctx, ex, req.actor); err != nil {
			return refuse(err)
		}
		az.act = &token.Actor{Subject: ex.app.ID, Actor: subject.act}
	}
	if az.act.Depth() > maxActorDepth {
		return refuse(InvalidRequest("the delegation chain is too long"))
	}
	// audience and resource (RFC 8707) both name where the token will
	// be used; the policy lists where this client may take one.
	for _, aud := range append([]string{req.audience}, ex.req.resources...) {
		if aud != "" && !policy.AllowsAudience(aud) {
			return refuse(InvalidTarget("the client may not ask for a token for " + aud))
		}
	}
	if req.audience != "" {
		az.audience = []string{req.audience}
	}
	u, held, err := g.s.store.GetUserWithScopes(ctx, ex.tenant, subject.userID)
	switch {
	case errors.Is(err, domain.ErrNotFound) || err == nil && u.Disabled:
		return refuse(InvalidRequest("the subject_token's user is no longer active"))
	case err != nil:
		return refuse(ServerError(err))
	}
	if subject.scopes == nil {
		return az, UserRoles(held), nil // a provider's token: the user's roles decide
	}
	return az, OriginalGrant(subject.scopes, held), nil // scopes only narrow
}

// exchangeParty is who a subject or actor token stands for.
type exchangeParty struct {
	userID  string       // the user, "" for a client's own token
	subject string       // the token's sub: the user, or the client
	scopes  []string     // the token's scopes; nil for a provider's token
	act     *token.Actor // the token's own act claim
	family  string       // its session (sid), "" for none
	expires time.Time    // when it expires; zero: never (an API token without expiry)
}

// exchangeParty checks a subject token: one of this tenant's access or
// API tokens (issuer "self"), or a provider's token, whose issuer the
// policy must list.
func (s *Server) exchangeParty(ctx context.Context, ex *exchange, policy *domain.TokenExchangePolicy, raw, typ string) (*exchangeParty, error) {
	if typ == TokenTypeIDToken || !s.ownToken(ex.tenant, raw) {
		return s.externalParty(ctx, ex, policy, raw)
	}
	if !policy.AllowsIssuer(domain.ExchangeSelf) {
		return nil, InvalidRequest("the client's policy does not accept this tenant's own tokens (allowedSubjectIssuers lacks \"self\")")
	}
	p, err := s.verifier.Verify(ctx, ex.tenant, raw)
	if err != nil {
		return nil, tokenRefused(err, "subject_token")
	}
	if p.BoundKey != "" {
		return nil, InvalidRequest("the subject_token is bound to a DPoP key and cannot be exchanged")
	}
	party := &exchangeParty{subject: p.Subject, scopes: p.Scopes, act: p.Actor, family: p.SessionID, expires: p.ExpiresAt}
	if p.Subject != p.Client {
		party.userID = p.Subject
	}
	return party, nil
}

// checkActor checks that raw, an actor token, is the requesting client's
// own access token (client_credentials): issued by this tenant, whatever
// the subject issuers the policy names, to the client for itself, acting
// for no one, and a bearer token.
func (s *Server) checkActor(ctx context.Context, ex *exchange, raw string) error {
	wrong := InvalidRequest("the actor_token must be the requesting client's own token (client_credentials)")
	if !s.ownToken(ex.tenant, raw) {
		return wrong
	}
	p, err := s.verifier.VerifyKind(ctx, authn.KindAccessToken, ex.tenant, raw)
	if err != nil {
		return tokenRefused(err, "actor_token")
	}
	if p.Client != ex.app.ID || p.Subject != ex.app.ID || p.Actor != nil || p.BoundKey != "" {
		return wrong
	}
	return nil
}

// ownToken reports whether raw is one of this tenant's tokens: an API
// token, or a JWT whose issuer is the tenant's.
func (s *Server) ownToken(tenant, raw string) bool {
	if strings.HasPrefix(raw, token.PrefixAPI) {
		return true
	}
	iss, ok := token.UnverifiedIssuer(raw)
	return ok && iss == s.keys.Issuer(tenant)
}

// externalParty checks a token of one of the tenant's identity providers.
func (s *Server) externalParty(ctx context.Context, ex *exchange, policy *domain.TokenExchangePolicy, raw string) (*exchangeParty, error) {
	if s.external == nil {
		return nil, InvalidRequest("the subject_token is not a token of this tenant")
	}
	u, err := s.external.VerifyToken(ctx, ex.tenant, raw)
	if err != nil {
		s.log.Info("token exchange: subject token refused", "tenant", ex.tenant, "client", ex.app.ID, "err", err)
		return nil, tokenRefused(err, "subject_token")
	}
	if !policy.AllowsIssuer(u.Issuer) {
		return nil, InvalidRequest("the client's policy does not accept tokens of " + u.Issuer)
	}
	return &exchangeParty{userID: u.UserID, subject: u.UserID, expires: u.Expires}, nil
}

// tokenRefused answers a subject or actor token that failed its check:
// invalid_request for a bad token (RFC 8693 §2.2.2), server_error when
// the check itself failed.
func tokenRefused(err error, param string) error {
	if errors.Is(err, authn.ErrInvalid) || errors.Is(err, federation.ErrExternalToken) {
		return InvalidRequest("the " + param + " is invalid, expired or revoked")
	}
	return ServerError(err)
}
