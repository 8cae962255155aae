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

// passwordRequest is a password grant request (§4.3.2).
type passwordRequest struct{ username, password string }

func (r passwordRequest) claimedUser() string { return r.username }

var _ grant[passwordRequest] = passwordGrant{}

func (passwordGrant) clientRequired() bool { return true }

func (passwordGrant) parse(p params) (passwordRequest, error) {
	r := passwordRequest{username: p.get("username"), password: p.get("password")}
	if r.username == "" || r.password == "" {
		return passwordRequest{}, InvalidRequest("username and password are required")
	}
	return r, nil
}

// errBadCredentials is the one answer for an unknown user, a disabled one
// and a wrong password, so guessing does not reveal who exists.
func errBadCredentials() *Error { return InvalidGrant("invalid username or password") }

func (g passwordGrant) authorize(ctx context.Context, ex *exchange, req passwordRequest) (*authorization, ScopePolicy, error) {
	user, roleScopes, err := g.s.userAuth.Check(ctx, ex.tenant, ex.localName(req.username), req.password, ex.req.RemoteAddr)
	switch {
	case errors.Is(err, authn.ErrBadCredentials):
		return refuse(errBadCredentials())
	case errors.Is(err, authn.ErrNoPassword):
		return refuse(InvalidGrant("this user has no local password; sign in with single sign-on or use the embed secret"))
	case err != nil:
		return refuse(signInError(err))
	}
	return &authorization{
		subject: user.ID,
		refresh: ex.app.AllowsGrant(domain.GrantRefreshToken),
	}, UserRoles(roleScopes), nil
}

// localName is username as the tenant knows it. On the default tenant's
// paths a client of tenant T may write T's user "name" as "name@T"
// (DESIGN §2).
func (ex *exchange) localName(u string) string {
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
