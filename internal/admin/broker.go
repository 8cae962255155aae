package admin

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// BrokerProviderPatch holds the attributes of a broker provider to create
// or update; nil fields take the default or stay as they are.
type BrokerProviderPatch struct {
	TokenURL       *string
	UpstreamTenant *string
	GrantType      *string
	ClientID       *string
	ClientSecret   *string // write-only: sealed, never shown
	Username       *string
	Password       *string // write-only: sealed, never shown
	Resource       *string
	Scopes         *[]string
	AllowedRoles   *[]string
	// RefreshBeforeSeconds: how long before expiry the cached token is
	// replaced; the API's unit, turned into RefreshBefore.
	RefreshBeforeSeconds *int
	Default              *bool
}

// CreateBrokerProvider adds an upstream token endpoint to tenant.
// Defaults: the client credentials grant and domain.DefaultBrokerRefreshBefore.
// The token URL is approved by whoever sends it (as for an identity
// provider): the bootstrap token's may be any address, a tenant admin's
// obeys the upstream rule.
func (s *Service) CreateBrokerProvider(ctx context.Context, p Principal, tenant, id string, attrs BrokerProviderPatch) (*domain.BrokerProvider, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, err
	}
	x := &domain.BrokerProvider{Tenant: tenant, ID: id, GrantType: domain.BrokerGrantClientCredentials,
		Scopes: []string{}, AllowedRoles: []string{}, RefreshBefore: domain.DefaultBrokerRefreshBefore,
		ByOperator: p.Bootstrap}
	if err := applyBrokerPatch(x, attrs); err != nil {
		return nil, err
	}
	if err := s.sealBrokerSecrets(x, attrs); err != nil {
		return nil, err
	}
	if err := s.validBrokerProvider(ctx, x, attrs); err != nil {
		return nil, err
	}
	if err := s.checkProviderAddress(ctx, "tokenUrl", x.TokenEndpoint(), p.Bootstrap); err != nil {
		return nil, err
	}
	x.CreatedAt = s.Now()
	x.UpdatedAt = x.CreatedAt
	if err := s.store.CreateBrokerProvider(ctx, tenant, x); err != nil {
		return nil, err
	}
	s.changed(ctx, p, tenant, "brokerProvider.create", id, nil)
	return x, nil
}

// validBrokerProvider checks x and, when the request names them, that its
// allowed roles exist (the store checks again in its transaction).
func (s *Service) validBrokerProvider(ctx context.Context, x *domain.BrokerProvider, attrs BrokerProviderPatch) error {
	if err := domain.ValidateBrokerProvider(x); err != nil {
		return err
	}
	if attrs.AllowedRoles != nil {
		return s.checkRolesExist(ctx, x.Tenant, "allowedRoles", x.AllowedRoles)
	}
	return nil
}

// sealBrokerSecrets seals the secrets attrs sets into x; an empty one is
// refused, as it would be no secret at all.
func (s *Service) sealBrokerSecrets(x *domain.BrokerProvider, attrs BrokerProviderPatch) error {
	for _, f := range []struct {
		field, context string
		value          *string
		sealed         *[]byte
	}{
		{"clientSecret", domain.BrokerSealClientSecret, attrs.ClientSecret, &x.SealedClientSecret},
		{"password", domain.BrokerSealPassword, attrs.Password, &x.SealedPassword},
	} {
		if f.value == nil {
			continue
		}
		if *f.value == "" {
			return domain.Invalid(f.field, "may not be empty; leave it out to keep the stored one")
		}
		if s.sealer == nil {
			return errors.New("admin: no master key to seal broker provider secrets with")
		}
		sealed, err := s.sealer.Seal([]byte(*f.value), domain.BrokerSealAD(x.Tenant, x.ID, f.context))
		if err != nil {
			return err
		}
		*f.sealed = sealed
	}
	return nil
}

// applyBrokerPatch applies all but the secrets, which are sealed.
func applyBrokerPatch(x *domain.BrokerProvider, patch BrokerProviderPatch) error {
	for _, f := range []struct{ to, from *string }{
		{&x.TokenURL, patch.TokenURL}, {&x.UpstreamTenant, patch.UpstreamTenant}, {&x.GrantType, patch.GrantType},
		{&x.ClientID, patch.ClientID}, {&x.Username, patch.Username}, {&x.Resource, patch.Resource},
	} {
		if f.from != nil {
			*f.to = *f.from
		}
	}
	if patch.Scopes != nil {
		x.Scopes = nonNil(*patch.Scopes)
	}
	if patch.AllowedRoles != nil {
		x.AllowedRoles = nonNil(*patch.AllowedRoles)
	}
	if patch.Default != nil {
		x.Default = *patch.Default
	}
	if n := patch.RefreshBeforeSeconds; n != nil {
		// Bounded before multiplying, so a huge number cannot wrap
		// around into a valid duration.
		if *n < 0 || *n > int(domain.MaxBrokerRefreshBefore/time.Second) {
			return domain.Invalid("refreshBeforeSeconds", "must be from 0 to %d", int(domain.MaxBrokerRefreshBefore/time.Second))
		}
		x.RefreshBefore = time.Duration(*n) * time.Second
	}
	return nil
}

// GetBrokerProvider returns one provider (its sealed secrets included;
// API layers never show them).
func (s *Service) GetBrokerProvider(ctx context.Context, p Principal, tenant, id string) (*domain.BrokerProvider, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, err
	}
	return s.store.GetBrokerProvider(ctx, tenant, id)
}

// ListBrokerProviders returns a page of the tenant's providers and the
// next cursor.
func (s *Service) ListBrokerProviders(ctx context.Context, p Principal, tenant string, pg domain.Page) ([]domain.BrokerProvider, string, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, "", err
	}
	pg = pageOf(pg)
	xs, err := s.store.ListBrokerProviders(ctx, tenant, pg)
	if err != nil {
		return nil, "", err
	}
	xs, next := trimPage(xs, pg, func(x *domain.BrokerProvider) string { return x.ID })
	return xs, next, nil
}

// UpdateBrokerProvider applies patch to provider id. A token URL that
// moves (a new URL or upstream tenant) is checked first, outside the
// store's transaction (it may resolve a name), and approved by whoever
// sent it; a tenant admin who leaves it where it is keeps the operator's
// approval. The store drops the cached token.
func (s *Service) UpdateBrokerProvider(ctx context.Context, p Principal, tenant, id string, patch BrokerProviderPatch) (*domain.BrokerProvider, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, err
	}
	before, err := s.store.GetBrokerProvider(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if patch.AllowedRoles != nil {
		if err := s.checkRolesExist(ctx, tenant, "allowedRoles", *patch.AllowedRoles); err != nil {
			return nil, err
		}
	}
	sealed := domain.BrokerProvider{Tenant: tenant, ID: id}
	if err := s.sealBrokerSecrets(&sealed, patch); err != nil {
		return nil, err
	}
	// keepSecrets puts the new secrets into x; the store keeps the others.
	keepSecrets := func(x *domain.BrokerProvider) {
		if sealed.SealedClientSecret != nil {
			x.SealedClientSecret = sealed.SealedClientSecret
		}
		if sealed.SealedPassword != nil {
			x.SealedPassword = sealed.SealedPassword
		}
	}
	// Validated before the network check, so a typo is named as such.
	next := *before
	if err := applyBrokerPatch(&next, patch); err != nil {
		return nil, err
	}
	keepSecrets(&next)
	if err := domain.ValidateBrokerProvider(&next); err != nil {
		return nil, err
	}
	checked := next.TokenEndpoint()
	moved := checked != before.TokenEndpoint()
	approve := moved || (p.Bootstrap && (patch.TokenURL != nil || patch.UpstreamTenant != nil))
	if moved {
		if err := s.checkProviderAddress(ctx, "tokenUrl", checked, p.Bootstrap); err != nil {
			return nil, err
		}
	}
	x, err := s.store.UpdateBrokerProvider(ctx, tenant, id, func(x *domain.BrokerProvider) error {
		if err := applyBrokerPatch(x, patch); err != nil {
			return err
		}
		if approve {
			// A URL that changed since it was read was not the one
			// checked above.
			if x.TokenEndpoint() != checked {
				return fmt.Errorf("broker provider %q changed meanwhile, retry: %w", id, domain.ErrConflict)
			}
			x.ByOperator = p.Bootstrap
		}
		keepSecrets(x)
		return domain.ValidateBrokerProvider(x)
	})
	if err != nil {
		return nil, err
	}
	s.changed(ctx, p, tenant, "brokerProvider.update", id, nil)
	return x, nil
}

// DeleteBrokerProvider removes provider id and, in the store, its cached
// token.
func (s *Service) DeleteBrokerProvider(ctx context.Context, p Principal, tenant, id string) error {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return err
	}
	return s.changed(ctx, p, tenant, "brokerProvider.delete", id, s.store.DeleteBrokerProvider(ctx, tenant, id))
}
