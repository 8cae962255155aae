package admin

import (
	"context"
	"fmt"
	"net/url"
	"strconv"

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
	if err := s.upstreamAllowed(ctx, p, a.Upstream); err != nil {
		return err
	}
	a.OperatorUpstream = p.Bootstrap
	a.CreatedAt = s.Now()
	a.UpdatedAt = a.CreatedAt
	if err := s.store.CreateAPI(ctx, tenant, a); err != nil {
		return err
	}
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

// upstreamAllowed checks that p may send the gateway to raw, a URL that
// domain.ValidateAPI accepted: nobody to the server's own listeners, a
// tenant admin only to public addresses or the operator's allow-list
// (see package upstream; the gateway checks again when it dials).
func (s *Service) upstreamAllowed(ctx context.Context, p Principal, raw string) error {
	host, port, err := hostPort("upstream", raw)
	if err != nil {
		return err
	}
	return checkOnce(ctx, checkKey("upstream", p.Bootstrap, host, port), func() error {
		if err := s.upstreams.Check(ctx, host, port, p.Bootstrap); err != nil {
			return domain.Invalid("upstream", "%v", err)
		}
		return nil
	})
}

// hostPort is the host and port an http or https URL (attribute field)
// leads to, the scheme's port when it names none.
func hostPort(field, raw string) (string, uint16, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", 0, domain.Invalid(field, "not a URL")
	}
	port := u.Port()
	if port == "" {
		port = map[string]string{"http": "80", "https": "443"}[u.Scheme]
	}
	n, err := strconv.ParseUint(port, 10, 16)
	if err != nil || n == 0 {
		return "", 0, domain.Invalid(field, "bad port %q", port)
	}
	return u.Hostname(), uint16(n), nil
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
	// The upstream check resolves names, so it runs before the store's
	// transaction; whether its verdict counts is decided inside, against
	// the stored upstream.
	var upstreamErr error
	if patch.Upstream != nil {
		upstreamErr = s.upstreamAllowed(ctx, p, *patch.Upstream)
	}
	a, err := s.store.UpdateAPI(ctx, tenant, id, func(a *domain.API) error {
		if patch.Context != nil {
			a.Context = *patch.Context
		}
		// Who set the upstream decides what the gateway may dial. A
		// tenant admin who changes only the resources, or sends the
		// upstream unchanged, keeps the operator's approval; the
		// bootstrap token approves whatever upstream it sends.
		newUpstream := patch.Upstream != nil && (p.Bootstrap || *patch.Upstream != a.Upstream)
		if newUpstream {
			a.Upstream = *patch.Upstream
			a.OperatorUpstream = p.Bootstrap
		}
		if patch.Resources != nil {
			a.Resources = *patch.Resources
		}
		if err := domain.ValidateAPI(a); err != nil {
			return err
		}
		if newUpstream {
			return upstreamErr
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
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
	s.changed(ctx, p, tenant, "api.delete", id, nil)
	return nil
}
