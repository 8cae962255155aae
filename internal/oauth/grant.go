package oauth

import (
	"context"
	"crypto/rand"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// grant is one grant type. Every grant passes the same fixed steps
// (steps.handle): parse its request, authenticate the client, check the
// client may use the grant, authorize, bound the scopes, issue. A grant
// supplies only its own parts, so none can skip a step; a new grant is a
// new file implementing this interface, registered in NewServer.
type grant[R grantRequest] interface {
	// clientRequired reports whether the client must authenticate; the
	// embed grant, whose secret is the credential, says no and picks the
	// application in authorize.
	clientRequired() bool
	// parse reads the grant's own parameters into its request type,
	// checking their syntax only: it sees no store and no clock, so a
	// malformed request is refused before the client or the user is
	// looked up.
	parse(p params) (R, error)
	// authorize checks the request's credentials and says whom the token
	// is for. The scope policy is a result of its own, not a field that
	// may be left out: a grant cannot drop the user's role limit by
	// forgetting it.
	authorize(ctx context.Context, ex *exchange, req R) (*authorization, ScopePolicy, error)
}

// grantRequest is a grant's parsed request.
type grantRequest interface {
	// claimedUser is the username the request names, as sent, for the
	// audit record of a refusal; "" when it names none.
	claimedUser() string
}

// refuse is authorize's answer to a request it refuses.
func refuse(err error) (*authorization, ScopePolicy, error) { return nil, ScopePolicy{}, err }

// authorization is what a grant decided besides the scope policy.
type authorization struct {
	app     *domain.Application // set by grants that pick the application
	subject string              // user id; empty for client_credentials
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
	// oidc, when set, adds an ID token to a grant of scope openid.
	oidc *idTokenFacts
	// exchanged: a token exchange (RFC 8693), whose answer names the
	// issued token's type; act is who acts for the subject.
	exchanged bool
	act       *token.Actor
	// notAfter, when set, is when the token must expire at the latest:
	// an exchanged token outlives no subject token.
	notAfter time.Time
}

// handler runs a token request through the fixed steps of one grant type.
// It hides the grant's request type, so grants share one table.
type handler interface {
	handle(ctx context.Context, tenant string, req *Request) (*TokenResponse, auditFacts, error)
}

// auditFacts are what the steps learn for the request's audit event. They
// are returned by value: an event passed by pointer through the handler
// interface would escape to the heap on every request.
type auditFacts struct {
	tenant   string // the tenant resolved
	userID   string // the user as the request names it, then the subject
	clientID string // set when the grant picked the application
}

// steps are the fixed steps of grant g, registered as grant_type name.
type steps[R grantRequest] struct {
	s    *Server
	name string
	g    grant[R]
}

// register adds g to s's grants as grant_type name.
func register[R grantRequest](s *Server, name string, g grant[R]) {
	s.grants[name] = steps[R]{s: s, name: name, g: g}
}

// handle resolves the tenant (DESIGN §2: on the default tenant's paths,
// the client's), parses the request, authenticates the client and checks
// it may use the grant, lets the grant authorize, then issues within the
// grant's scope policy. The tenant comes first, from the cached client id
// alone, so an unknown tenant is a 404 whatever the body says and every
// refusal is recorded under the client's tenant.
func (st steps[R]) handle(ctx context.Context, tenant string, req *Request) (_ *TokenResponse, f auditFacts, _ error) {
	s, g := st.s, st.g
	clientID := req.Client.ID
	if !g.clientRequired() {
		clientID = "" // the embed secret is per tenant: the path names it
	}
	resolved, err := s.resolveTenant(ctx, tenant, clientID)
	if err != nil {
		return nil, f, err
	}
	f.tenant = resolved
	gr, err := g.parse(req.params)
	if err != nil {
		return nil, f, err
	}
	f.userID = gr.claimedUser()
	common, err := parseTokenParams(req.params)
	if err != nil {
		return nil, f, err
	}
	ex := &exchange{tenant: resolved, req: req, token: common, now: s.now(), viaDefault: resolved != tenant}
	if g.clientRequired() {
		app, err := s.authenticateClient(ctx, resolved, req.Client)
		if err != nil {
			return nil, f, err
		}
		if !app.AllowsGrant(st.name) {
			return nil, f, UnauthorizedClient("the client may not use grant_type " + st.name)
		}
		ex.app = app
	}
	if ex.dpop, err = s.dpopProof(ctx, ex); err != nil {
		return nil, f, err
	}
	if _, err := ex.boundKey(); err != nil {
		return nil, f, err // before a refresh token is consumed; the embed grant's app is checked in issue
	}
	az, policy, err := g.authorize(ctx, ex, gr)
	if err != nil {
		return nil, f, err
	}
	if az.app != nil {
		ex.app = az.app
		f.clientID = az.app.ID
	}
	f.userID = az.subject
	resp, err := s.issue(ctx, ex, az, policy)
	return resp, f, err
}

// issue completes a token request once the grant has authorized it.
func (s *Server) issue(ctx context.Context, ex *exchange, az *authorization, policy ScopePolicy) (*TokenResponse, error) {
	app := ex.app
	scopes, err := grantedScopes(ex.token.scope, app, policy)
	if err != nil {
		return nil, err
	}
	aud, err := audience(ex.req.resources, az.audience, app.ID)
	if err != nil {
		return nil, err
	}
	ttl := lifetime(ex.token.validity, app.AccessTokenTTL)
	if !az.notAfter.IsZero() {
		if left := az.notAfter.Sub(ex.now).Truncate(time.Second); left < ttl {
			if left <= 0 {
				return nil, InvalidRequest("the subject_token has expired")
			}
			ttl = left
		}
	}
	jkt, err := ex.boundKey()
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
	if jkt != "" {
		resp.TokenType = TokenTypeDPoP
	}
	if az.exchanged {
		resp.IssuedTokenType = TokenTypeAccessToken
	}
	if ex.token.scope.asDefault {
		resp.Scope = domain.ScopeDefault // as API managers answer; the token carries the real scopes
	}
	if len(ex.req.resources) > 0 {
		// Azure AD v1 takes one resource; several are joined like scopes.
		resp.Resource = strings.Join(ex.req.resources, " ")
		resp.ExpiresOn = strconv.FormatInt(ex.now.Add(ttl).Unix(), 10)
	}
	if az.refresh && az.refreshToken == "" {
		// A new family; the code grant names its own, even without a
		// refresh token, so a replayed code can revoke what it issued.
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
		BoundKey:  jkt,
		Actor:     az.act,
	})
	if err != nil {
		return nil, ServerError(err)
	}
	if az.oidc != nil && slices.Contains(scopes, domain.ScopeOpenID) {
		if resp.IDToken, err = s.idToken(ctx, ex, az.oidc, scopes, resp.AccessToken, ttl); err != nil {
			return nil, err
		}
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
		JKT:       ex.refreshKey(),
	}, nil
}
