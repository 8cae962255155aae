// Package admin owns Tollgate's management use cases — tenants, users,
// roles, scopes, applications and signing keys — and who may perform them.
// It knows nothing of HTTP: the admin API and the console call it with an
// authenticated Principal.
package admin

import (
	"errors"
	"slices"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Errors of authentication and authorisation; protocol layers map them to
// 401 and 403.
var (
	// ErrUnauthenticated: no credential, or one that is not valid here.
	ErrUnauthenticated = errors.New("unauthenticated")
	// ErrForbidden: a valid credential that may not do this.
	ErrForbidden = errors.New("forbidden")
)

// Principal is who performs a use case.
type Principal struct {
	// Bootstrap: the server's bootstrap token, allowed everything on every
	// tenant.
	Bootstrap bool
	// Tenant the principal's credential was issued in.
	Tenant string
	// Subject is the user id (or client id) of the credential.
	Subject string
	// Scopes granted to the credential.
	Scopes []string
	// GatewayCredential is the id of the gateway credential presented:
	// it may read the gateway feed and nothing else.
	GatewayCredential string
	// SessionID is the browser session a cookie-authenticated principal
	// acts in, and Until when that session ends at the latest.
	SessionID string
	Until     time.Time
}

// IsAdminOf reports whether p may administer tenant.
func (p Principal) IsAdminOf(tenant string) bool {
	if p.Bootstrap {
		return true
	}
	return p.Tenant == tenant && slices.Contains(p.Scopes, domain.AdminScope)
}

// canAdmin returns ErrForbidden unless p administers tenant.
func canAdmin(p Principal, tenant string) error {
	if p.IsAdminOf(tenant) {
		return nil
	}
	return ErrForbidden
}

// canBootstrap returns ErrForbidden unless p is the bootstrap principal:
// tenants themselves are managed only with it.
func canBootstrap(p Principal) error {
	if p.Bootstrap {
		return nil
	}
	return ErrForbidden
}

// canReadUser lets admins read any user of their tenant and a user read
// themself.
func canReadUser(p Principal, tenant, userID string) error {
	if p.IsAdminOf(tenant) || (p.Tenant == tenant && p.Subject == userID && p.Subject != "") {
		return nil
	}
	return ErrForbidden
}
