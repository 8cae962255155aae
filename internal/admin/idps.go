package admin

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// IdentityProviderPatch holds the attributes of an identity provider to
// create or update; nil fields take the default or stay as they are.
type IdentityProviderPatch struct {
	DisplayName   *string
	Issuer        *string
	ClientID      *string
	ClientSecret  *string // write-only: sealed, never shown
	Scopes        *[]string
	UsernameClaim *string
	CreateUsers   *bool
	DefaultRoles  *[]string
	Enabled       *bool
}

// CreateIdentityProvider adds an external OpenID Connect provider to
// tenant after discovering it (discoverIssuer). Defaults: the display
// name is the id, scopes openid, profile and email, the username claim
// email, enabled, and no users created on first sign-in (CreateUsers
// false: an operator opts in to letting the provider add users). The
// client secret is optional; without one Tollgate has no secret to
// authenticate to the provider with.
func (s *Service) CreateIdentityProvider(ctx context.Context, p Principal, tenant, id string, attrs IdentityProviderPatch) (*domain.IdentityProvider, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, err
	}
	x := &domain.IdentityProvider{
		Tenant: tenant, ID: id, Issuer: deref(attrs.Issuer),
		Scopes: slices.Clone(domain.DefaultIdentityProviderScopes), UsernameClaim: domain.ClaimEmail,
		DefaultRoles: []string{}, Enabled: true, ByOperator: p.Bootstrap,
	}
	applyIdentityProviderPatch(x, attrs)
	if x.DisplayName == "" {
		x.DisplayName = id
	}
	if err := s.validIdentityProvider(ctx, x, attrs); err != nil {
		return nil, err
	}
	// A taken id is refused before discovery, which may take seconds; the
	// store refuses it again in its transaction.
	if _, err := s.store.GetIdentityProvider(ctx, tenant, id); err == nil {
		return nil, fmt.Errorf("identity provider %q: %w", id, domain.ErrConflict)
	} else if !errors.Is(err, domain.ErrNotFound) {
		return nil, err
	}
	if err := s.discoverIssuer(ctx, x.Issuer, x.ByOperator); err != nil {
		return nil, err
	}
	if attrs.ClientSecret != nil && *attrs.ClientSecret != "" {
		sealed, err := s.sealProviderSecret(tenant, id, *attrs.ClientSecret)
		if err != nil {
			return nil, err
		}
		x.SealedSecret = sealed
	}
	x.CreatedAt = s.Now()
	x.UpdatedAt = x.CreatedAt
	if err := s.store.CreateIdentityProvider(ctx, tenant, x); err != nil {
		return nil, err
	}
	s.changed(ctx, p, tenant, "identityProvider.create", id, nil)
	return x, nil
}

// validIdentityProvider checks x and, when the request names them, that
// its default roles exist (the store checks again in its transaction).
func (s *Service) validIdentityProvider(ctx context.Context, x *domain.IdentityProvider, attrs IdentityProviderPatch) error {
	if err := domain.ValidateIdentityProvider(x); err != nil {
		return err
	}
	if attrs.DefaultRoles != nil {
		return s.checkRolesExist(ctx, x.Tenant, "defaultRoles", x.DefaultRoles)
	}
	return nil
}

func (s *Service) sealProviderSecret(tenant, id, clientSecret string) ([]byte, error) {
	if s.sealer == nil {
		return nil, errors.New("admin: no master key to seal identity provider secrets with")
	}
	return s.sealer.Seal([]byte(clientSecret), domain.IdentityProviderSecretAD(tenant, id))
}

// applyIdentityProviderPatch applies all but the issuer, which decides
// who approved the provider's address, and the secret, which is sealed.
func applyIdentityProviderPatch(x *domain.IdentityProvider, patch IdentityProviderPatch) {
	if patch.DisplayName != nil {
		x.DisplayName = *patch.DisplayName
	}
	if patch.ClientID != nil {
		x.ClientID = *patch.ClientID
	}
	if patch.Scopes != nil {
		x.Scopes = nonNil(*patch.Scopes)
	}
	if patch.UsernameClaim != nil {
		x.UsernameClaim = *patch.UsernameClaim
	}
	if patch.CreateUsers != nil {
		x.CreateUsers = *patch.CreateUsers
	}
	if patch.DefaultRoles != nil {
		x.DefaultRoles = nonNil(*patch.DefaultRoles)
	}
	if patch.Enabled != nil {
		x.Enabled = *patch.Enabled
	}
}

func deref[T any](p *T) T {
	var zero T
	if p == nil {
		return zero
	}
	return *p
}

// GetIdentityProvider returns one provider (its sealed secret included;
// API layers never show it).
func (s *Service) GetIdentityProvider(ctx context.Context, p Principal, tenant, id string) (*domain.IdentityProvider, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, err
	}
	return s.store.GetIdentityProvider(ctx, tenant, id)
}

// ListIdentityProviders returns a page of the tenant's providers and the
// next cursor.
func (s *Service) ListIdentityProviders(ctx context.Context, p Principal, tenant string, pg domain.Page) ([]domain.IdentityProvider, string, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, "", err
	}
	pg = pageOf(pg)
	xs, err := s.store.ListIdentityProviders(ctx, tenant, pg)
	if err != nil {
		return nil, "", err
	}
	xs, next := trimPage(xs, pg, func(x *domain.IdentityProvider) string { return x.ID })
	return xs, next, nil
}

// UpdateIdentityProvider applies patch to provider id. A new issuer is
// discovered first, outside the store's transaction (it takes network
// time), and approved by whoever sent it, as for an API's upstream: the
// bootstrap token's issuer may be reached at any address, a tenant
// admin's obeys the upstream rule. A tenant admin who leaves the issuer
// as it is keeps the operator's approval.
func (s *Service) UpdateIdentityProvider(ctx context.Context, p Principal, tenant, id string, patch IdentityProviderPatch) (*domain.IdentityProvider, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, err
	}
	before, err := s.store.GetIdentityProvider(ctx, tenant, id)
	if err != nil {
		return nil, err
	}
	if patch.DefaultRoles != nil {
		if err := s.checkRolesExist(ctx, tenant, "defaultRoles", *patch.DefaultRoles); err != nil {
			return nil, err
		}
	}
	discovered := patch.Issuer != nil && *patch.Issuer != before.Issuer
	if discovered {
		if err := domain.ValidateIssuer(*patch.Issuer, p.Bootstrap); err != nil {
			return nil, err
		}
		if err := s.discoverIssuer(ctx, *patch.Issuer, p.Bootstrap); err != nil {
			return nil, err
		}
	}
	var sealed []byte
	if patch.ClientSecret != nil {
		if *patch.ClientSecret == "" {
			return nil, domain.Invalid("clientSecret", "may not be empty; send a new secret to replace the stored one")
		}
		if sealed, err = s.sealProviderSecret(tenant, id, *patch.ClientSecret); err != nil {
			return nil, err
		}
	}
	x, err := s.store.UpdateIdentityProvider(ctx, tenant, id, func(x *domain.IdentityProvider) error {
		if patch.Issuer != nil && (p.Bootstrap || *patch.Issuer != x.Issuer) {
			// An issuer that changed since it was read was not the one
			// discovered above.
			if *patch.Issuer != x.Issuer && !discovered {
				return fmt.Errorf("identity provider %q changed meanwhile, retry: %w", id, domain.ErrConflict)
			}
			x.Issuer = *patch.Issuer
			x.ByOperator = p.Bootstrap
		}
		applyIdentityProviderPatch(x, patch)
		if sealed != nil {
			x.SealedSecret = sealed
		}
		return domain.ValidateIdentityProvider(x)
	})
	if err != nil {
		return nil, err
	}
	s.changed(ctx, p, tenant, "identityProvider.update", id, nil)
	return x, nil
}

// DeleteIdentityProvider removes provider id and, in the store, the
// links of its users; those users stay, unable to sign in through it.
func (s *Service) DeleteIdentityProvider(ctx context.Context, p Principal, tenant, id string) error {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return err
	}
	return s.changed(ctx, p, tenant, "identityProvider.delete", id, s.store.DeleteIdentityProvider(ctx, tenant, id))
}
