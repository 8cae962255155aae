package authn

import (
	"context"
	"errors"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// KindSession is a browser session's cookie, which the admin API accepts
// only from this server's own pages (the HTTP layer checks the origin).
const KindSession Kind = "session"

// SessionLookup finds the live session of a tenant's session cookie value:
// session.Manager.Lookup. nil, nil: no such session.
type SessionLookup func(ctx context.Context, tenant, raw string) (*domain.Session, error)

// UserScopes reads a user and the scopes their roles grant.
type UserScopes interface {
	GetUserWithScopes(ctx context.Context, tenant, id string) (*domain.User, []string, error)
}

// Sessions authenticates session cookies: the session acts as its user,
// with every scope the user's roles grant now; a bootstrap session (the
// console's first-time setup) as the bootstrap token.
type Sessions struct {
	find  SessionLookup
	users UserScopes
}

// NewSessions returns the session method.
func NewSessions(find SessionLookup, users UserScopes) *Sessions {
	return &Sessions{find: find, users: users}
}

// Kind implements Method.
func (*Sessions) Kind() Kind { return KindSession }

// Verify implements Method. Every value is a session's to judge: the
// method is asked only for cookies (Authenticator.VerifyKind).
func (m *Sessions) Verify(ctx context.Context, tenant, raw string) (*Principal, bool, error) {
	s, err := m.find(ctx, tenant, raw)
	if err != nil {
		return nil, true, err
	}
	if s == nil {
		return nil, true, ErrInvalid
	}
	if s.Bootstrap {
		// The console's first-time setup: the bootstrap token's rights,
		// for the session's short life.
		return &Principal{Kind: KindBootstrap, AuthTime: s.AuthTime, SessionID: s.ID, CredentialID: s.ID,
			ExpiresAt: s.ExpiresAt}, true, nil
	}
	u, scopes, err := m.users.GetUserWithScopes(ctx, tenant, s.UserID)
	if errors.Is(err, domain.ErrNotFound) || err == nil && u.Disabled {
		return nil, true, ErrInvalid
	}
	if err != nil {
		return nil, true, err
	}
	return &Principal{Kind: KindSession, Tenant: tenant, Subject: u.ID, Scopes: scopes, Roles: u.Roles, AuthTime: s.AuthTime,
		SessionID: s.ID, CredentialID: s.ID, ExpiresAt: s.ExpiresAt}, true, nil
}
