// Package session keeps users' browser sessions: the cookie, and the
// record behind it in the store, which every node reads, so a session
// works on any node and ends on all of them at once.
package session

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// cookiePrefix marks session cookie values, like the other opaque
// secrets: a leaked one is recognisable, a mangled one refused unread.
const cookiePrefix = "tgs_"

// touchEvery bounds the writes of a busy session: its last-seen time
// moves at most this often, which is the precision of the idle timeout.
const touchEvery = time.Minute

// Store is the part of store.Store sessions need.
type Store interface {
	GetTenant(ctx context.Context, id string) (*domain.Tenant, error)
	CreateSession(ctx context.Context, tenant string, s *domain.Session) error
	GetSession(ctx context.Context, tenant string, hash []byte, idle time.Duration, now time.Time) (*domain.Session, error)
	TouchSession(ctx context.Context, tenant, id string, at time.Time) error
	DeleteSession(ctx context.Context, tenant, userID, id string) error
}

// Manager starts, finds and ends sessions.
type Manager struct {
	st     Store
	secure bool // served over TLS: Secure cookies with the __Host- prefix
	now    func() time.Time
}

// New returns a Manager; secure when the public URL is https.
func New(st Store, secure bool) *Manager {
	return &Manager{st: st, secure: secure, now: time.Now}
}

// CookieName is the tenant's session cookie. On TLS the __Host- prefix
// makes browsers refuse one set without Secure, with a Domain, or for
// another path, so a sibling host cannot plant a session.
func (m *Manager) CookieName(tenant string) string {
	if m.secure {
		return "__Host-tollgate-" + tenant
	}
	return "tollgate-" + tenant
}

// Start signs userID in to tenant with methods (amr) and returns the new
// session and its cookie. It always makes a new session id, so one fixed
// before sign-in is worthless after it.
func (m *Manager) Start(ctx context.Context, tenant, userID string, methods []string) (*domain.Session, *http.Cookie, error) {
	return m.start(ctx, tenant, &domain.Session{UserID: userID, Methods: methods}, 0)
}

// StartBootstrap opens a session with the bootstrap token's rights (the
// console's first-time setup), of no user, for at most
// domain.BootstrapSessionTTL.
func (m *Manager) StartBootstrap(ctx context.Context, tenant string) (*domain.Session, *http.Cookie, error) {
	return m.start(ctx, tenant, &domain.Session{Bootstrap: true, Methods: []string{domain.AMRBootstrap}},
		domain.BootstrapSessionTTL)
}

// start stores s with a new id and cookie value; limit, when set, caps
// the tenant's absolute lifetime.
func (m *Manager) start(ctx context.Context, tenant string, s *domain.Session, limit time.Duration) (*domain.Session, *http.Cookie, error) {
	t, err := m.st.GetTenant(ctx, tenant)
	if err != nil {
		return nil, nil, err
	}
	life := maxAge(t)
	if limit > 0 && limit < life {
		life = limit
	}
	raw, _ := token.NewOpaque(cookiePrefix)
	now := m.now().UTC().Truncate(time.Microsecond)
	s.Tenant, s.ID, s.Hash = tenant, rand.Text(), secret.HashToken(raw)
	s.AuthTime, s.CreatedAt, s.LastSeenAt, s.ExpiresAt = now, now, now, now.Add(life)
	if err := m.st.CreateSession(ctx, tenant, s); err != nil {
		return nil, nil, err
	}
	return s, m.cookie(tenant, raw, life), nil
}

// Find returns the live session r carries for tenant, or nil.
func (m *Manager) Find(ctx context.Context, r *http.Request, tenant string) (*domain.Session, error) {
	c, err := r.Cookie(m.CookieName(tenant))
	if err != nil {
		return nil, nil
	}
	return m.Lookup(ctx, tenant, c.Value)
}

// Lookup returns the live session of tenant whose cookie value is raw,
// or nil; a use moves its last-seen time (at most once a minute).
func (m *Manager) Lookup(ctx context.Context, tenant, raw string) (*domain.Session, error) {
	if !token.CheckOpaque(raw, cookiePrefix) {
		return nil, nil
	}
	t, err := m.st.GetTenant(ctx, tenant)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	now := m.now()
	s, err := m.st.GetSession(ctx, tenant, secret.HashToken(raw), idle(t), now)
	if errors.Is(err, domain.ErrNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	if now.Sub(s.LastSeenAt) >= touchEvery {
		if err := m.st.TouchSession(ctx, tenant, s.ID, now); err != nil && !errors.Is(err, domain.ErrNotFound) {
			return nil, err
		}
		s.LastSeenAt = now
	}
	return s, nil
}

// End ends s (nil: nothing to end) and returns the cookie that clears the
// browser's copy.
func (m *Manager) End(ctx context.Context, tenant string, s *domain.Session) (*http.Cookie, error) {
	if s != nil {
		if err := m.st.DeleteSession(ctx, tenant, s.UserID, s.ID); err != nil && !errors.Is(err, domain.ErrNotFound) {
			return nil, err
		}
	}
	return m.cookie(tenant, "", -1), nil
}

// cookie is the session cookie with value; a negative age deletes it.
func (m *Manager) cookie(tenant, value string, age time.Duration) *http.Cookie {
	c := &http.Cookie{
		Name: m.CookieName(tenant), Value: value, Path: "/",
		HttpOnly: true, Secure: m.secure, SameSite: http.SameSiteLaxMode,
	}
	if age < 0 {
		c.MaxAge = -1
	} else {
		c.MaxAge = int(age / time.Second)
	}
	return c
}

func idle(t *domain.Tenant) time.Duration {
	if t.SessionIdleTimeout > 0 {
		return t.SessionIdleTimeout
	}
	return domain.DefaultSessionIdleTimeout
}

func maxAge(t *domain.Tenant) time.Duration {
	if t.SessionMaxAge > 0 {
		return t.SessionMaxAge
	}
	return domain.DefaultSessionMaxAge
}
