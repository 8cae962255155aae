package admin

import (
	"context"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// ScopePatch holds the attributes of a partial scope update.
type ScopePatch struct {
	Description *string
}

// RolePatch holds the attributes of a partial role update.
type RolePatch struct {
	Scopes *[]string
}

// CreateScope creates a scope in tenant.
func (s *Service) CreateScope(ctx context.Context, p Principal, tenant string, sc *domain.Scope) error {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return err
	}
	sc.Tenant = tenant
	if err := domain.ValidateScope(sc); err != nil {
		return err
	}
	return s.changed(ctx, p, tenant, "scope.create", sc.ID, s.store.CreateScope(ctx, tenant, sc))
}

// GetScope returns one scope.
func (s *Service) GetScope(ctx context.Context, p Principal, tenant, id string) (*domain.Scope, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, err
	}
	return s.store.GetScope(ctx, tenant, id)
}

// ListScopes returns a page of scopes and the cursor of the next page.
func (s *Service) ListScopes(ctx context.Context, p Principal, tenant string, pg domain.Page) ([]domain.Scope, string, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, "", err
	}
	pg = pageOf(pg)
	xs, err := s.store.ListScopes(ctx, tenant, pg)
	if err != nil {
		return nil, "", err
	}
	xs, next := trimPage(xs, pg, func(x *domain.Scope) string { return x.ID })
	return xs, next, nil
}

// UpdateScope applies patch to scope id.
func (s *Service) UpdateScope(ctx context.Context, p Principal, tenant, id string, patch ScopePatch) (*domain.Scope, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, err
	}
	sc, err := s.store.UpdateScope(ctx, tenant, id, func(sc *domain.Scope) error {
		if patch.Description != nil {
			sc.Description = *patch.Description
		}
		return domain.ValidateScope(sc)
	})
	if err != nil {
		return nil, err
	}
	s.changed(ctx, p, tenant, "scope.update", id, nil)
	return sc, nil
}

// DeleteScope removes scope id. The built-in admin scope stays: without
// it nobody but the bootstrap token could administer the tenant. A scope
// that roles, applications or APIs name is refused with a
// *domain.InUseError, unless force, which removes it from the roles and
// applications in the same transaction (never from APIs).
func (s *Service) DeleteScope(ctx context.Context, p Principal, tenant, id string, force bool) error {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return err
	}
	if id == domain.AdminScope {
		return domain.Invalid("id", "the built-in scope %q cannot be deleted", id)
	}
	_, err := s.store.DeleteScope(ctx, tenant, id, force)
	return s.changed(ctx, p, tenant, "scope.delete", id, err)
}

// CreateRole creates a role; its scopes must exist in the tenant, which
// the store checks in its transaction.
func (s *Service) CreateRole(ctx context.Context, p Principal, tenant string, r *domain.Role) error {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return err
	}
	r.Tenant = tenant
	r.Scopes = nonNil(r.Scopes)
	if err := domain.ValidateRole(r); err != nil {
		return err
	}
	return s.changed(ctx, p, tenant, "role.create", r.ID, s.store.CreateRole(ctx, tenant, r))
}

// GetRole returns one role.
func (s *Service) GetRole(ctx context.Context, p Principal, tenant, id string) (*domain.Role, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, err
	}
	return s.store.GetRole(ctx, tenant, id)
}

// ListRoles returns a page of roles and the cursor of the next page.
func (s *Service) ListRoles(ctx context.Context, p Principal, tenant string, pg domain.Page) ([]domain.Role, string, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, "", err
	}
	pg = pageOf(pg)
	xs, err := s.store.ListRoles(ctx, tenant, pg)
	if err != nil {
		return nil, "", err
	}
	xs, next := trimPage(xs, pg, func(x *domain.Role) string { return x.ID })
	return xs, next, nil
}

// UpdateRole applies patch to role id.
func (s *Service) UpdateRole(ctx context.Context, p Principal, tenant, id string, patch RolePatch) (*domain.Role, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, err
	}
	r, err := s.store.UpdateRole(ctx, tenant, id, func(r *domain.Role) error {
		if patch.Scopes != nil {
			r.Scopes = nonNil(*patch.Scopes)
		}
		return domain.ValidateRole(r)
	})
	if err != nil {
		return nil, err
	}
	s.changed(ctx, p, tenant, "role.update", id, nil)
	return r, nil
}

// DeleteRole removes role id; the built-in admin role stays. A role that
// users hold is refused with a *domain.InUseError, unless force, which
// takes it from them in the same transaction.
func (s *Service) DeleteRole(ctx context.Context, p Principal, tenant, id string, force bool) error {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return err
	}
	if id == domain.AdminRole {
		return domain.Invalid("id", "the built-in role %q cannot be deleted", id)
	}
	return s.changed(ctx, p, tenant, "role.delete", id, s.store.DeleteRole(ctx, tenant, id, force))
}
