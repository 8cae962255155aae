package admin

import (
	"context"
	"fmt"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// APIPatch holds the attributes of a partial API update; a nil field is
// left unchanged.
type APIPatch struct {
	Context   *string
	Upstream  *string
	Resources *[]domain.APIResource
}

// CreateAPI publishes an API through the gateway.
func (s *Service) CreateAPI(ctx context.Context, p Principal, tenant string, a *domain.API) error {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return err
	}
	a.Tenant = tenant
	normResources(a.Resources)
	if err := s.validAPI(ctx, tenant, a); err != nil {
		return err
	}
	a.CreatedAt = s.now()
	a.UpdatedAt = a.CreatedAt
	if err := s.store.CreateAPI(ctx, tenant, a); err != nil {
		return err
	}
	s.apiChanged()
	s.changed(ctx, p, tenant, "api.create", a.ID, nil)
	return nil
}

// validAPI also checks the scopes exist: a typo would otherwise make a
// resource that no token can ever reach.
func (s *Service) validAPI(ctx context.Context, tenant string, a *domain.API) error {
	if err := domain.ValidateAPI(a); err != nil {
		return err
	}
	return s.checkResourceScopes(ctx, tenant, a.Resources)
}

func (s *Service) checkResourceScopes(ctx context.Context, tenant string, rs []domain.APIResource) error {
	for _, r := range rs {
		if err := s.checkScopesExist(ctx, tenant, "resources", r.Scopes); err != nil {
			return err
		}
	}
	return nil
}

func normResources(rs []domain.APIResource) {
	for i := range rs {
		rs[i].Scopes = nonNil(rs[i].Scopes)
	}
}

// GetAPI returns one API.
func (s *Service) GetAPI(ctx context.Context, p Principal, tenant, id string) (*domain.API, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, err
	}
	return s.store.GetAPI(ctx, tenant, id)
}

// ListAPIs returns a page of the tenant's APIs and the next cursor.
func (s *Service) ListAPIs(ctx context.Context, p Principal, tenant string, pg domain.Page) ([]domain.API, string, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, "", err
	}
	pg = pageOf(pg)
	xs, err := s.store.ListAPIs(ctx, tenant, pg)
	if err != nil {
		return nil, "", err
	}
	xs, next := trimPage(xs, pg, func(x *domain.API) string { return x.ID })
	return xs, next, nil
}

// UpdateAPI applies patch to API id.
func (s *Service) UpdateAPI(ctx context.Context, p Principal, tenant, id string, patch APIPatch) (*domain.API, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, err
	}
	if patch.Resources != nil {
		normResources(*patch.Resources)
		if err := s.checkResourceScopes(ctx, tenant, *patch.Resources); err != nil {
			return nil, err
		}
	}
	a, err := s.store.UpdateAPI(ctx, tenant, id, func(a *domain.API) error {
		if patch.Context != nil {
			a.Context = *patch.Context
		}
		if patch.Upstream != nil {
			a.Upstream = *patch.Upstream
		}
		if patch.Resources != nil {
			a.Resources = *patch.Resources
		}
		return domain.ValidateAPI(a)
	})
	if err != nil {
		return nil, err
	}
	s.apiChanged()
	s.changed(ctx, p, tenant, "api.update", id, nil)
	return a, nil
}

// DeleteAPI unpublishes API id; the gateway answers 404 for it at once.
func (s *Service) DeleteAPI(ctx context.Context, p Principal, tenant, id string) error {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return err
	}
	if err := s.store.DeleteAPI(ctx, tenant, id); err != nil {
		return fmt.Errorf("delete api: %w", err)
	}
	s.apiChanged()
	s.changed(ctx, p, tenant, "api.delete", id, nil)
	return nil
}

func (s *Service) apiChanged() {
	if s.OnAPIChange != nil {
		s.OnAPIChange()
	}
}
