package oauth

import (
	"context"
	"errors"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/authn"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/throttle"
)

// passwordGrant: RFC 6749 §4.3, the resource owner password credentials.
type passwordGrant struct{ s *Server }

func (passwordGrant) clientRequired() bool { return true }

// errBadCredentials is the one answer for an unknown user, a disabled one
// and a wrong password, so guessing does not reveal who exists.
func errBadCredentials() *Error { return InvalidGrant("invalid username or password") }

func (g passwordGrant) authorize(ctx context.Context, ex *exchange) (*authorization, error) {
	username, password := ex.username(), ex.req.Get("password")
	if username == "" || password == "" {
		return nil, InvalidRequest("username and password are required")
	}
	user, ceiling, err := g.s.userAuth.Check(ctx, ex.tenant, username, password, ex.req.RemoteAddr)
	switch {
	case errors.Is(err, authn.ErrBadCredentials):
		return nil, errBadCredentials()
	case errors.Is(err, authn.ErrNoPassword):
		return nil, InvalidGrant("this user has no local password; sign in with single sign-on or use the embed secret")
	case err != nil:
		return nil, signInError(err)
	}
	return &authorization{
		subject: user.ID,
		ceiling: nonNil(ceiling),
		refresh: ex.app.AllowsGrant(domain.GrantRefreshToken),
	}, nil
}

// username is the request's username. On the default tenant's paths a
// client of tenant T may write T's user "name" as "name@T" (DESIGN §2).
func (ex *exchange) username() string {
	u := ex.req.Get("username")
	if i := strings.LastIndexByte(u, '@'); ex.viaDefault && i > 0 && strings.EqualFold(u[i+1:], ex.tenant) {
		return u[:i]
	}
	return u
}

// signInError puts a refused or failed sign-in in the protocol's words:
// too many failures, too many hashes at once, or the server's fault.
func signInError(err error) error {
	if le := (*throttle.LimitedError)(nil); errors.As(err, &le) {
		return Throttled(le.RetryAfter)
	}
	if errors.Is(err, secret.ErrOverloaded) {
		return Overloaded()
	}
	return ServerError(err)
}

// nonNil makes an empty ceiling mean "no scopes" rather than "no limit".
func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
