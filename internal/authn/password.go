package authn

import (
	"context"
	"errors"
	"log/slog"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/throttle"
)

// Password sign-in refusals. Callers put them in their protocol's words.
var (
	// ErrBadCredentials is the one answer for an unknown user, a disabled
	// one and a wrong password, so guessing does not reveal who exists.
	ErrBadCredentials = errors.New("authn: invalid username or password")
	// ErrNoPassword: the user exists and is enabled but has no local
	// password (single sign-on, or imported without a hash).
	ErrNoPassword = errors.New("authn: the user has no local password")
)

// PasswordStore is the part of store.Store password sign-in needs.
type PasswordStore interface {
	GetUserWithScopes(ctx context.Context, tenant, id string) (*domain.User, []string, error)
	SetPasswordHash(ctx context.Context, tenant, userID, old, new string) error
}

// Passwords checks a username and password: the password grant uses it,
// and so will the sign-in page.
type Passwords struct {
	st      PasswordStore
	hasher  *secret.Hasher
	limiter *throttle.Limiter
	log     *slog.Logger
}

// NewPasswords returns a Passwords. Share limiter with everything else
// that signs users in and unlocks them.
func NewPasswords(st PasswordStore, h *secret.Hasher, limiter *throttle.Limiter, log *slog.Logger) *Passwords {
	if log == nil {
		log = slog.Default()
	}
	return &Passwords{st: st, hasher: h, limiter: limiter, log: log}
}

// Check signs username in to tenant with password from the client address
// addr, and returns the user and the union of the scopes their roles
// allow. Refusals are ErrBadCredentials, ErrNoPassword, a
// *throttle.LimitedError (too many failures: retry later) and
// secret.ErrOverloaded (too many hashes at once); any other error is the
// server's.
func (p *Passwords) Check(ctx context.Context, tenant, username, password, addr string) (*domain.User, []string, error) {
	username, err := domain.NormalizeUsername(username)
	if err != nil {
		return nil, nil, ErrBadCredentials // no such name can exist
	}
	// Before the lookup, so the answer cannot depend on who exists.
	pass, err := p.limiter.Admit(ctx, tenant, username, addr)
	if err != nil {
		return nil, nil, err
	}
	defer pass.Done()
	user, scopes, err := p.st.GetUserWithScopes(ctx, tenant, username)
	if err != nil && !errors.Is(err, domain.ErrNotFound) {
		return nil, nil, err
	}
	if user == nil || user.Disabled || user.PasswordHash == "" {
		// Spend the time of a real check so timing tells nothing.
		if err := p.hasher.VerifyDummy(ctx, password); err != nil {
			return nil, nil, err
		}
		if err := pass.Failed(ctx); err != nil {
			return nil, nil, err
		}
		if user != nil && !user.Disabled {
			return nil, nil, ErrNoPassword
		}
		return nil, nil, ErrBadCredentials
	}
	ok, rehash, err := p.hasher.Verify(ctx, password, user.PasswordHash)
	if err != nil && !errors.Is(err, secret.ErrOverloaded) && ctx.Err() == nil {
		// A hash we cannot parse is a data problem: log it, refuse the login.
		p.log.Error("verify password hash", "tenant", tenant, "err", err)
		return nil, nil, ErrBadCredentials
	}
	if err != nil {
		return nil, nil, err
	}
	if !ok {
		if err := pass.Failed(ctx); err != nil {
			return nil, nil, err
		}
		return nil, nil, ErrBadCredentials
	}
	if rehash {
		p.rehash(ctx, tenant, user, password)
	}
	return user, scopes, nil
}

// rehash upgrades a valid hash of an older kind or cost to the current
// argon2id parameters. Failure is logged, never fatal to the sign-in.
func (p *Passwords) rehash(ctx context.Context, tenant string, u *domain.User, password string) {
	h, err := p.hasher.Hash(ctx, password)
	if err == nil {
		err = p.st.SetPasswordHash(ctx, tenant, u.ID, u.PasswordHash, h)
	}
	if err != nil && !errors.Is(err, domain.ErrConflict) {
		p.log.Warn("rehash password", "tenant", tenant, "err", err)
	}
}
