package admin

import (
	"context"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// UserPatch holds the attributes of a partial user update. Password, when
// set, replaces the user's password ("" removes the local password).
type UserPatch struct {
	Email       *string
	DisplayName *string
	Password    *string
	Roles       *[]string
	Source      *string
	Disabled    *bool
}

// CreateUser creates a user. A non-empty password is hashed; the hash is
// the only trace of it. Roles must exist in the tenant.
func (s *Service) CreateUser(ctx context.Context, p Principal, tenant string, u *domain.User, password string) error {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return err
	}
	// Every name ValidID refuses PRECIS refuses too, or refuses once
	// normalised; asking ValidID first only gets an error that names it.
	if err := domain.ValidID("id", u.ID); err != nil {
		return err
	}
	id, err := domain.NormalizeUsername(u.ID)
	if err != nil {
		return err
	}
	u.ID, u.Tenant = id, tenant
	u.Roles = nonNil(u.Roles)
	if u.Source == "" {
		u.Source = domain.SourceLocal
	}
	if err := s.validUser(ctx, tenant, u); err != nil {
		return err
	}
	if u.PasswordHash, err = s.hashPassword(ctx, password); err != nil {
		return err
	}
	u.CreatedAt = s.Now()
	u.UpdatedAt = u.CreatedAt
	return s.changed(ctx, p, tenant, "user.create", u.ID, s.store.CreateUser(ctx, tenant, u))
}

func (s *Service) validUser(ctx context.Context, tenant string, u *domain.User) error {
	if err := domain.ValidateUser(u); err != nil {
		return err
	}
	if err := validSource(u.Source); err != nil {
		return err
	}
	return s.checkRolesExist(ctx, tenant, "roles", u.Roles)
}

func validSource(source string) error {
	if !domain.ValidSource(source) {
		return domain.Invalid("source", "must be local, csv, database or oidc:<provider>")
	}
	return nil
}

// hashPassword hashes a password ("" for none). Create validates the user
// first, so a bad request never pays for a hash.
func (s *Service) hashPassword(ctx context.Context, password string) (string, error) {
	if password == "" {
		return "", nil
	}
	if err := domain.CheckPassword(password, s.minPass); err != nil {
		return "", err
	}
	return s.hasher.Hash(ctx, password)
}

// GetUser returns one user; a user may read themself.
func (s *Service) GetUser(ctx context.Context, p Principal, tenant, id string) (*domain.User, error) {
	id, err := s.userID(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if err := canReadUser(p, tenant, id); err != nil {
		return nil, err
	}
	if err := s.tenantExists(ctx, tenant); err != nil {
		return nil, err
	}
	return s.store.GetUser(ctx, tenant, id)
}

// ListUsers returns a page of users and the cursor of the next page.
func (s *Service) ListUsers(ctx context.Context, p Principal, tenant string, pg domain.Page) ([]domain.User, string, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, "", err
	}
	pg = pageOf(pg)
	xs, err := s.store.ListUsers(ctx, tenant, pg)
	if err != nil {
		return nil, "", err
	}
	xs, next := trimPage(xs, pg, func(x *domain.User) string { return x.ID })
	return xs, next, nil
}

// UpdateUser applies patch to user id, as a compare-and-swap: a
// concurrent update (a disable) is never undone. The slow password hash
// and the roles' existence are settled before the store's transaction.
func (s *Service) UpdateUser(ctx context.Context, p Principal, tenant, id string, patch UserPatch) (*domain.User, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, err
	}
	id, err := s.userID(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if patch.Roles != nil {
		if err := s.checkRolesExist(ctx, tenant, "roles", *patch.Roles); err != nil {
			return nil, err
		}
	}
	var hash string
	if patch.Password != nil {
		if hash, err = s.hashPassword(ctx, *patch.Password); err != nil {
			return nil, err
		}
	}
	u, err := s.store.UpdateUser(ctx, tenant, id, func(u *domain.User) error {
		applyUserPatch(u, patch)
		if patch.Password != nil {
			u.PasswordHash = hash
		}
		if err := domain.ValidateUser(u); err != nil {
			return err
		}
		return validSource(u.Source)
	})
	if err != nil {
		return nil, err
	}
	s.changed(ctx, p, tenant, "user.update", id, nil)
	return u, nil
}

func applyUserPatch(u *domain.User, patch UserPatch) {
	if patch.Email != nil {
		u.Email = *patch.Email
	}
	if patch.DisplayName != nil {
		u.DisplayName = *patch.DisplayName
	}
	if patch.Roles != nil {
		u.Roles = nonNil(*patch.Roles)
	}
	if patch.Source != nil {
		u.Source = *patch.Source
	}
	if patch.Disabled != nil {
		u.Disabled = *patch.Disabled
	}
}

// DeleteUser removes user id.
func (s *Service) DeleteUser(ctx context.Context, p Principal, tenant, id string) error {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return err
	}
	id, err := s.userID(ctx, tenant, id)
	if err != nil {
		return err
	}
	return s.changed(ctx, p, tenant, "user.delete", id, s.store.DeleteUser(ctx, tenant, id))
}
