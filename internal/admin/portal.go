package admin

import (
	"context"
	"fmt"
	"slices"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// The developer portal's use cases: any user of a tenant registers and
// manages applications of their own, and reads the tenant's published
// APIs. An application a user owns is a third-party client (consent
// applies), holds at most the scopes its owner held when registering it,
// never the admin scope, and only its owner reaches it here; admins keep
// managing every application through the admin use cases.

// OwnApplicationSpec is what a user chooses for an application of theirs.
type OwnApplicationSpec struct {
	Name   string
	Scopes []string
	// RedirectURIs, when given, let the application sign users in with
	// the authorization code flow.
	RedirectURIs []string
}

// portalUser is p's own user in tenant: only a user of the tenant, not
// the bootstrap token nor a gateway credential, has a portal.
func (s *Service) portalUser(ctx context.Context, p Principal, tenant string) (*domain.Tenant, *domain.User, error) {
	if p.Bootstrap || p.Subject == "" || p.Tenant != tenant {
		return nil, nil, ErrForbidden
	}
	return s.ownUser(ctx, p, tenant, p.Subject)
}

// RegisterApplication registers an application owned by p's user. It is
// confidential and has no secret yet (RotateOwnApplicationSecret makes
// one), so no secret ever travels in the registration's answer.
func (s *Service) RegisterApplication(ctx context.Context, p Principal, tenant string, spec OwnApplicationSpec) (*domain.Application, error) {
	_, u, err := s.portalUser(ctx, p, tenant)
	if err != nil {
		return nil, err
	}
	scopes := nonNil(slices.Clone(spec.Scopes))
	for _, sc := range scopes {
		switch {
		case sc == domain.AdminScope:
			return nil, domain.Invalid("scopes", "scope %q is for administrators: an application you register may not hold it", sc)
		case !slices.Contains(p.Scopes, sc):
			return nil, domain.Invalid("scopes", "you do not hold scope %q", sc)
		}
	}
	grants := []string{domain.GrantClientCredentials}
	if len(spec.RedirectURIs) > 0 {
		grants = append(grants, domain.GrantAuthorizationCode, domain.GrantRefreshToken)
	}
	confidential, thirdParty := domain.ClientConfidential, false
	a := newApplication(ApplicationPatch{Name: &spec.Name, Scopes: &scopes, GrantTypes: &grants,
		RedirectURIs: &spec.RedirectURIs, ClientType: &confidential, FirstParty: &thirdParty})
	a.Tenant, a.ID, a.Owner = tenant, token.NewClientID(), u.ID
	if err := domain.ValidateApplication(a); err != nil {
		return nil, err
	}
	// No secret's hash is empty: nothing authenticates as the client
	// until its owner generates one.
	a.SecretHash = []byte{}
	a.CreatedAt = s.Now()
	a.UpdatedAt = a.CreatedAt
	if err := s.store.CreateApplication(ctx, tenant, a); err != nil {
		return nil, err
	}
	return a, s.changed(ctx, p, tenant, "application.create", a.ID, nil)
}

// ListOwnApplications returns the applications p's user owns, by id.
func (s *Service) ListOwnApplications(ctx context.Context, p Principal, tenant string) ([]domain.Application, error) {
	_, u, err := s.portalUser(ctx, p, tenant)
	if err != nil {
		return nil, err
	}
	var own []domain.Application
	pg := domain.Page{Limit: MaxPageSize}
	for {
		xs, err := s.store.ListApplicationsOwnedBy(ctx, tenant, u.ID, pg)
		if err != nil {
			return nil, err
		}
		if own = append(own, xs...); len(xs) < pg.Limit {
			return own, nil
		}
		pg.After = xs[len(xs)-1].ID
	}
}

// GetOwnApplication returns application id if p's user owns it. Another
// user's application is not found, so the portal reveals nothing of it.
func (s *Service) GetOwnApplication(ctx context.Context, p Principal, tenant, id string) (*domain.Application, error) {
	_, u, err := s.portalUser(ctx, p, tenant)
	if err != nil {
		return nil, err
	}
	a, err := s.store.GetApplication(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if a.Owner == "" || a.Owner != u.ID {
		return nil, fmt.Errorf("application %q: %w", id, domain.ErrNotFound)
	}
	return a, nil
}

// RotateOwnApplicationSecret gives p's application id a new secret,
// returned once; the old one stops working at once.
func (s *Service) RotateOwnApplicationSecret(ctx context.Context, p Principal, tenant, id string) (*domain.Application, string, error) {
	if _, err := s.GetOwnApplication(ctx, p, tenant, id); err != nil {
		return nil, "", err
	}
	return s.rotateSecret(ctx, p, tenant, id)
}

// DeleteOwnApplication removes p's application id.
func (s *Service) DeleteOwnApplication(ctx context.Context, p Principal, tenant, id string) error {
	if _, err := s.GetOwnApplication(ctx, p, tenant, id); err != nil {
		return err
	}
	return s.changed(ctx, p, tenant, "application.delete", id, s.store.DeleteApplication(ctx, tenant, id))
}

// ListPublishedAPIs returns a page of the tenant's APIs for any of its
// users, to see what they may call. Where the gateway sends the calls is
// the admins' business, so the upstream is left out for everyone else.
func (s *Service) ListPublishedAPIs(ctx context.Context, p Principal, tenant string, pg domain.Page) ([]domain.API, string, error) {
	admin := p.IsAdminOf(tenant)
	if admin {
		if err := s.tenantExists(ctx, tenant); err != nil {
			return nil, "", err
		}
	} else if _, _, err := s.portalUser(ctx, p, tenant); err != nil {
		return nil, "", err
	}
	pg = pageOf(pg)
	xs, err := s.store.ListAPIs(ctx, tenant, pg)
	if err != nil {
		return nil, "", err
	}
	if !admin {
		for i := range xs {
			xs[i].Upstream, xs[i].OperatorUpstream = "", false
		}
	}
	xs, next := trimPage(xs, pg, func(x *domain.API) string { return x.ID })
	return xs, next, nil
}
