package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// Next is what an authorization request needs next.
type Next int

const (
	// NextRedirect: send the user agent to Decision.Location, the client's
	// redirect URI with a code.
	NextRedirect Next = iota
	// NextLogin: the user must sign in (again).
	NextLogin
	// NextConsent: the user must approve Decision.Scopes for the client.
	NextConsent
)

// Decision is the outcome of an authorization request.
type Decision struct {
	Next     Next
	Location string
	Scopes   []string
	UserID   string
}

// SignedIn is the browser session an authorization request comes with.
type SignedIn struct {
	Session *domain.Session
	// Fresh: the user authenticated in this very request, which satisfies
	// prompt=login and max_age.
	Fresh bool
}

// Authorize decides an authorization request for the user signed in with
// in (nil: nobody). Refusals the client must hear are a *RedirectError.
func (s *Server) Authorize(ctx context.Context, r *AuthorizeRequest, in *SignedIn) (*Decision, error) {
	if in == nil || in.Session == nil || in.Session.Bootstrap {
		// A bootstrap session is the console's first-time setup, of no
		// user: no client gets a code for it.
		return s.needLogin(r)
	}
	if !in.Fresh && (r.Prompt.Login || r.MaxAge >= 0 && s.now().Sub(in.Session.AuthTime) > r.MaxAge) {
		return s.needLogin(r)
	}
	user, roleScopes, err := s.store.GetUserWithScopes(ctx, r.Tenant, in.Session.UserID)
	if errors.Is(err, domain.ErrNotFound) || err == nil && user.Disabled {
		return s.needLogin(r) // the user went away since the session began
	}
	if err != nil {
		return nil, ServerError(err)
	}
	scopes, err := grantedScopes(r.scope, r.App, UserRoles(roleScopes))
	if err != nil {
		return nil, s.redirectError(r, err)
	}
	if !r.App.FirstParty {
		consented, err := s.consented(ctx, r.Tenant, user.ID, r.App.ID, scopes)
		if err != nil {
			return nil, err
		}
		if !consented || r.Prompt.Consent {
			if r.Prompt.None {
				return nil, s.redirectError(r, newError(http.StatusBadRequest, CodeConsentRequired, "the user has not approved this client"))
			}
			return &Decision{Next: NextConsent, Scopes: scopes, UserID: user.ID}, nil
		}
	}
	return s.issueCode(ctx, r, in.Session, scopes)
}

func (s *Server) needLogin(r *AuthorizeRequest) (*Decision, error) {
	if r.Prompt.None {
		return nil, s.redirectError(r, newError(http.StatusBadRequest, CodeLoginRequired, "the user is not signed in"))
	}
	return &Decision{Next: NextLogin}, nil
}

// Consent records the signed-in user's answer to the consent page and
// completes the request: a code for an approval, access_denied otherwise.
func (s *Server) Consent(ctx context.Context, r *AuthorizeRequest, in *SignedIn, approved bool) (*Decision, error) {
	if !approved {
		return nil, s.redirectError(r, newError(http.StatusBadRequest, CodeAccessDenied, "the user denied the request"))
	}
	d, err := s.Authorize(ctx, r, in)
	if err != nil || d.Next != NextConsent {
		return d, err // signed out meanwhile, or nothing left to approve
	}
	c := &domain.Consent{Tenant: r.Tenant, UserID: d.UserID, ClientID: r.App.ID, Scopes: d.Scopes}
	if old, err := s.store.GetConsent(ctx, r.Tenant, d.UserID, r.App.ID); err == nil {
		c.Scopes = union(old.Scopes, d.Scopes)
	} else if !errors.Is(err, domain.ErrNotFound) {
		return nil, ServerError(err)
	}
	if err := s.store.PutConsent(ctx, r.Tenant, c); err != nil {
		return nil, ServerError(err)
	}
	return s.issueCode(ctx, r, in.Session, d.Scopes)
}

// consented reports whether the user approved every one of scopes for
// the client before.
func (s *Server) consented(ctx context.Context, tenant, userID, clientID string, scopes []string) (bool, error) {
	c, err := s.store.GetConsent(ctx, tenant, userID, clientID)
	if errors.Is(err, domain.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, ServerError(err)
	}
	for _, sc := range scopes {
		if !slices.Contains(c.Scopes, sc) {
			return false, nil
		}
	}
	return true, nil
}

// codePrefix marks authorization codes, like the other opaque tokens.
const codePrefix = "tgc_"

// issueCode stores a code for the request and returns the redirect that
// carries it (RFC 6749 §4.1.2, RFC 9207).
func (s *Server) issueCode(ctx context.Context, r *AuthorizeRequest, sess *domain.Session, scopes []string) (*Decision, error) {
	code, _ := token.NewOpaque(codePrefix)
	now := s.now()
	err := s.store.CreateAuthCode(ctx, r.Tenant, &domain.AuthCode{
		Tenant:        r.Tenant,
		Hash:          secret.HashToken(code),
		ClientID:      r.App.ID,
		UserID:        sess.UserID,
		SessionID:     sess.ID,
		RedirectURI:   r.redirectParam,
		CodeChallenge: r.Challenge,
		Nonce:         r.Nonce,
		Scopes:        scopes,
		Resources:     r.Resources,
		Methods:       sess.Methods,
		AuthTime:      sess.AuthTime,
		CreatedAt:     now,
		ExpiresAt:     now.Add(domain.AuthCodeTTL),
	})
	if err != nil {
		return nil, ServerError(err)
	}
	v := url.Values{"code": {code}, "iss": {s.keys.Issuer(r.Tenant)}}
	if r.State != "" {
		v.Set("state", r.State)
	}
	return &Decision{Next: NextRedirect, Location: withQuery(r.RedirectURI, v), Scopes: scopes, UserID: sess.UserID}, nil
}

// union is a followed by the names of b it lacks.
func union(a, b []string) []string {
	out := slices.Clone(a)
	for _, x := range b {
		if !slices.Contains(out, x) {
			out = append(out, x)
		}
	}
	return out
}
