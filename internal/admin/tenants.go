package admin

import (
	"context"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// TenantPatch holds the attributes of a partial tenant update; nil fields
// stay as they are.
type TenantPatch struct {
	Name           *string
	APITokenMaxTTL *time.Duration // 0: no cap
	// Browser sessions' limits; 0: the defaults. A new idle timeout holds
	// for existing sessions at once; a new maximum age for sessions
	// started from then on, as a session's absolute expiry is fixed when
	// it starts.
	SessionIdleTimeout *time.Duration
	SessionMaxAge      *time.Duration
}

// CreateTenant creates a tenant with its built-in admin scope and role.
func (s *Service) CreateTenant(ctx context.Context, p Principal, t *domain.Tenant) error {
	if err := canBootstrap(p); err != nil {
		return err
	}
	if err := domain.ValidateTenant(t); err != nil {
		return err
	}
	t.CreatedAt = s.Now()
	if err := s.store.CreateTenant(ctx, t); err != nil {
		return err
	}
	s.changed(ctx, p, t.ID, "tenant.create", t.ID, nil)
	return nil
}

// GetTenant returns one tenant.
func (s *Service) GetTenant(ctx context.Context, p Principal, id string) (*domain.Tenant, error) {
	if err := canBootstrap(p); err != nil {
		return nil, err
	}
	return s.store.GetTenant(ctx, id)
}

// ListTenants returns a page of tenants and the cursor of the next page.
func (s *Service) ListTenants(ctx context.Context, p Principal, pg domain.Page) ([]domain.Tenant, string, error) {
	if err := canBootstrap(p); err != nil {
		return nil, "", err
	}
	pg = pageOf(pg)
	ts, err := s.store.ListTenants(ctx, pg)
	if err != nil {
		return nil, "", err
	}
	ts, next := trimPage(ts, pg, func(t *domain.Tenant) string { return t.ID })
	return ts, next, nil
}

// UpdateTenant applies patch to tenant id and returns the result.
func (s *Service) UpdateTenant(ctx context.Context, p Principal, id string, patch TenantPatch) (*domain.Tenant, error) {
	if err := canBootstrap(p); err != nil {
		return nil, err
	}
	t, err := s.store.UpdateTenant(ctx, id, func(t *domain.Tenant) error {
		if patch.Name != nil {
			t.Name = *patch.Name
		}
		// Only tokens created from now on are held to a new cap: existing
		// ones keep the expiry they were given (their owners relied on it).
		if patch.APITokenMaxTTL != nil {
			t.APITokenMaxTTL = *patch.APITokenMaxTTL
		}
		if patch.SessionIdleTimeout != nil {
			t.SessionIdleTimeout = *patch.SessionIdleTimeout
		}
		if patch.SessionMaxAge != nil {
			t.SessionMaxAge = *patch.SessionMaxAge
		}
		return domain.ValidateTenant(t)
	})
	if err != nil {
		return nil, err
	}
	s.changed(ctx, p, id, "tenant.update", id, nil)
	return t, nil
}

// DeleteTenant removes a tenant and all its data. The default tenant
// cannot be deleted: its URLs are the unprefixed ones.
func (s *Service) DeleteTenant(ctx context.Context, p Principal, id string) error {
	if err := canBootstrap(p); err != nil {
		return err
	}
	if id == domain.DefaultTenant {
		return domain.Invalid("id", "the default tenant cannot be deleted")
	}
	if err := s.store.DeleteTenant(ctx, id); err != nil {
		return err
	}
	s.changed(ctx, p, id, "tenant.delete", id, nil)
	return nil
}
