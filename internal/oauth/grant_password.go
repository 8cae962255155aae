package oauth

import (
	"context"
	"errors"
	"strings"

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
	user, roleScopes, err := g.verify(ctx, ex, req)
	if err != nil {
		return refuse(err)
	}
	return &authorization{
		subject: user.ID,
		refresh: ex.app.AllowsGrant(domain.GrantRefreshToken),
	}, UserRoles(roleScopes), nil
}

// verify finds the user and checks the password, returning the user and
// the scopes of the user's roles.
func (g passwordGrant) verify(ctx context.Context, ex *exchange, req passwordRequest) (*domain.User, []string, error) {
	password := req.password
	username, err := domain.NormalizeUsername(ex.localName(req.username))
	if err != nil {
		return nil, nil, errBadCredentials() // no such name can exist
	}
	s := g.s
	// Before the lookup, so the answer cannot depend on who exists.
	pass, err := s.throttle.Admit(ctx, ex.tenant, username, ex.req.RemoteAddr)
	if err != nil {
		return nil, nil, throttled(err)
	}
	defer pass.Done()
	user, ceiling, err := s.store.GetUserWithScopes(ctx, ex.tenant, username)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return nil, nil, ServerError(err)
	}
	if user == nil || user.Disabled || user.PasswordHash == "" {
		// Spend the time of a real check so timing tells nothing.
		if err := s.hasher.VerifyDummy(ctx, password); err != nil {
			return nil, nil, hashError(err)
		}
		if err := pass.Failed(ctx); err != nil {
			return nil, nil, ServerError(err)
		}
		if user != nil && !user.Disabled && user.PasswordHash == "" {
			return nil, nil, InvalidGrant("this user has no local password; sign in with single sign-on or use the embed secret")
		}
		return nil, nil, errBadCredentials()
	}
	ok, rehash, err := s.hasher.Verify(ctx, password, user.PasswordHash)
	if err != nil && !errors.Is(err, secret.ErrOverloaded) && ctx.Err() == nil {
		// A hash we cannot parse is a data problem: log it, refuse the login.
		s.log.Error("verify password hash", "tenant", ex.tenant, "err", err)
		return nil, nil, errBadCredentials()
	}
	if err != nil {
		return nil, nil, hashError(err)
	}
	if !ok {
		if err := pass.Failed(ctx); err != nil {
			return nil, nil, ServerError(err)
		}
		return nil, nil, errBadCredentials()
	}
	if rehash {
		s.rehash(ctx, ex.tenant, user, password)
	}
	return user, ceiling, nil
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

// throttled turns the limiter's refusal into the protocol's answer.
func throttled(err error) error {
	if le := (*throttle.LimitedError)(nil); errors.As(err, &le) {
		return Throttled(le.RetryAfter)
	}
	return ServerError(err)
}

// rehash upgrades a valid hash of an older kind or cost to the current
// argon2id parameters. Failure is logged, never fatal to the login.
func (s *Server) rehash(ctx context.Context, tenant string, u *domain.User, password string) {
	h, err := s.hasher.Hash(ctx, password)
	if err == nil {
		err = s.store.SetPasswordHash(ctx, tenant, u.ID, u.PasswordHash, h)
	}
	if err != nil && !errors.Is(err, domain.ErrConflict) {
		s.log.Warn("rehash password", "tenant", tenant, "err", err)
	}
}

func hashError(err error) error {
	if errors.Is(err, secret.ErrOverloaded) {
		return Overloaded()
	}
	return ServerError(err)
}
