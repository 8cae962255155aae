package admin

import (
	"context"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// DefaultGrantTypes are allowed to an application created without any.
var DefaultGrantTypes = []string{domain.GrantPassword, domain.GrantRefreshToken, domain.GrantClientCredentials}

// ApplicationPatch holds the attributes of a partial application update.
type ApplicationPatch struct {
	Name              *string
	GrantTypes        *[]string
	Scopes            *[]string
	DefaultScopes     *[]string
	AccessTokenTTL    *time.Duration
	RefreshTokenTTL   *time.Duration
	RefreshReuseGrace *time.Duration
}

// CreateApplication registers an OAuth client with the attributes of
// attrs, the defaults for those it leaves out: it generates the client id
// and secret, stores only the secret's hash and returns the secret, which
// is never available again.
func (s *Service) CreateApplication(ctx context.Context, p Principal, tenant string, attrs ApplicationPatch) (a *domain.Application, clientSecret string, err error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, "", err
	}
	a = newApplication(attrs)
	a.Tenant = tenant
	a.ID = token.NewClientID()
	// The store refuses unknown scopes, in its transaction.
	if err := domain.ValidateApplication(a); err != nil {
		return nil, "", err
	}
	clientSecret, err = token.NewOpaque(token.PrefixClientSecret)
	if err != nil {
		return nil, "", err
	}
	a.SecretHash = secret.HashToken(clientSecret)
	a.CreatedAt = s.Now()
	a.UpdatedAt = a.CreatedAt
	if err := s.store.CreateApplication(ctx, tenant, a); err != nil {
		return nil, "", err
	}
	s.changed(ctx, p, tenant, "application.create", a.ID, nil)
	return a, clientSecret, nil
}

// newApplication is the application attrs describe, with the defaults in
// one place for every way of creating one (admin API, console). A zero
// refresh reuse grace is a setting (off), so only an absent one defaults.
func newApplication(attrs ApplicationPatch) *domain.Application {
	a := &domain.Application{
		GrantTypes:        append([]string(nil), DefaultGrantTypes...),
		Scopes:            []string{},
		DefaultScopes:     []string{},
		AccessTokenTTL:    domain.DefaultAccessTokenTTL,
		RefreshTokenTTL:   domain.DefaultRefreshTokenTTL,
		RefreshReuseGrace: domain.DefaultRefreshReuseGrace,
	}
	applyApplicationPatch(a, attrs)
	// An empty list or a zero lifetime asks for the default too.
	if len(a.GrantTypes) == 0 {
		a.GrantTypes = append([]string(nil), DefaultGrantTypes...)
	}
	if a.AccessTokenTTL == 0 {
		a.AccessTokenTTL = domain.DefaultAccessTokenTTL
	}
	if a.RefreshTokenTTL == 0 {
		a.RefreshTokenTTL = domain.DefaultRefreshTokenTTL
	}
	return a
}

// GetApplication returns one application (its secret hash included; API
// layers do not show it).
func (s *Service) GetApplication(ctx context.Context, p Principal, tenant, id string) (*domain.Application, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, err
	}
	return s.store.GetApplication(ctx, tenant, id)
}

// ListApplications returns a page of applications and the next cursor.
func (s *Service) ListApplications(ctx context.Context, p Principal, tenant string, pg domain.Page) ([]domain.Application, string, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, "", err
	}
	pg = pageOf(pg)
	xs, err := s.store.ListApplications(ctx, tenant, pg)
	if err != nil {
		return nil, "", err
	}
	xs, next := trimPage(xs, pg, func(x *domain.Application) string { return x.ID })
	return xs, next, nil
}

// UpdateApplication applies patch to application id, as a
// compare-and-swap that leaves the secret alone: a rotation meanwhile is
// never undone.
func (s *Service) UpdateApplication(ctx context.Context, p Principal, tenant, id string, patch ApplicationPatch) (*domain.Application, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, err
	}
	a, err := s.store.UpdateApplication(ctx, tenant, id, func(a *domain.Application) error {
		applyApplicationPatch(a, patch)
		return domain.ValidateApplication(a)
	})
	if err != nil {
		return nil, err
	}
	s.changed(ctx, p, tenant, "application.update", id, nil)
	return a, nil
}

func applyApplicationPatch(a *domain.Application, patch ApplicationPatch) {
	if patch.Name != nil {
		a.Name = *patch.Name
	}
	if patch.GrantTypes != nil {
		a.GrantTypes = nonNil(*patch.GrantTypes)
	}
	if patch.Scopes != nil {
		a.Scopes = nonNil(*patch.Scopes)
	}
	if patch.DefaultScopes != nil {
		a.DefaultScopes = nonNil(*patch.DefaultScopes)
	}
	if patch.AccessTokenTTL != nil {
		a.AccessTokenTTL = *patch.AccessTokenTTL
	}
	if patch.RefreshTokenTTL != nil {
		a.RefreshTokenTTL = *patch.RefreshTokenTTL
	}
	if patch.RefreshReuseGrace != nil {
		a.RefreshReuseGrace = *patch.RefreshReuseGrace
	}
}

// RotateApplicationSecret gives application id a new secret, returned
// once; the old secret stops working at once.
func (s *Service) RotateApplicationSecret(ctx context.Context, p Principal, tenant, id string) (*domain.Application, string, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, "", err
	}
	clientSecret, err := token.NewOpaque(token.PrefixClientSecret)
	if err != nil {
		return nil, "", err
	}
	a, err := s.store.SetApplicationSecret(ctx, tenant, id, secret.HashToken(clientSecret))
	if err != nil {
		return nil, "", err
	}
	s.changed(ctx, p, tenant, "application.rotate_secret", id, nil)
	return a, clientSecret, nil
}

// DeleteApplication removes application id.
func (s *Service) DeleteApplication(ctx context.Context, p Principal, tenant, id string) error {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return err
	}
	if err := s.store.DeleteApplication(ctx, tenant, id); err != nil {
		return err
	}
	s.changed(ctx, p, tenant, "application.delete", id, nil)
	return nil
}
