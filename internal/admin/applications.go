package admin

import (
	"context"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// DefaultGrantTypes are allowed to a confidential application created
// without any; DefaultPublicGrantTypes to a public one, which may use
// neither the password grant nor client credentials.
var (
	DefaultGrantTypes       = []string{domain.GrantPassword, domain.GrantRefreshToken, domain.GrantClientCredentials}
	DefaultPublicGrantTypes = []string{domain.GrantAuthorizationCode, domain.GrantRefreshToken}
)

// ApplicationPatch holds the attributes of a partial application update.
type ApplicationPatch struct {
	Name                   *string
	GrantTypes             *[]string
	Scopes                 *[]string
	DefaultScopes          *[]string
	AccessTokenTTL         *time.Duration
	RefreshTokenTTL        *time.Duration
	RefreshReuseGrace      *time.Duration
	ClientType             *string
	RedirectURIs           *[]string
	PostLogoutRedirectURIs *[]string
	FirstParty             *bool
	IDTokenSigningAlg      *string
	JWKS                   *string // a JWK Set as JSON; "" removes it
	JWKSURI                *string
	RequireDPoP            *bool
	// SetTokenExchange replaces the token exchange policy with
	// TokenExchange (nil: none).
	SetTokenExchange bool
	TokenExchange    *domain.TokenExchangePolicy
	// ClientID and ClientSecret, on create only, keep the id and secret
	// an application had elsewhere (configuration as code); nil: the
	// server generates them.
	ClientID     *string
	ClientSecret *string
	// Owner is read-only here (the developer portal sets it): a value is
	// only compared with the stored one, so a client may send back what
	// it read, and refused when it differs.
	Owner *string
}

// CreateApplication registers an OAuth client with the attributes of
// attrs, the defaults for those it leaves out: it generates the client id
// and, for a confidential client, the secret; it stores only the
// secret's hash and returns the secret, which is never available again.
// A public client gets no secret ("").
func (s *Service) CreateApplication(ctx context.Context, p Principal, tenant string, attrs ApplicationPatch) (a *domain.Application, clientSecret string, err error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, "", err
	}
	if attrs.Owner != nil && *attrs.Owner != "" {
		return nil, "", errOwnerReadOnly()
	}
	if err := s.checkClientKeys(ctx, attrs); err != nil {
		return nil, "", err
	}
	a = newApplication(attrs)
	a.Tenant = tenant
	a.ID = token.NewClientID()
	if attrs.ClientID != nil {
		// Ids are unique across tenants: a tenant admin choosing one could
		// squat another tenant's, or learn that it exists.
		if !p.Bootstrap {
			return nil, "", domain.Invalid("clientId", "choosing a client id takes the bootstrap token")
		}
		if err := domain.ValidateClientID(*attrs.ClientID); err != nil {
			return nil, "", err
		}
		a.ID = *attrs.ClientID
	}
	// The store refuses unknown scopes, in its transaction.
	if err := domain.ValidateApplication(a); err != nil {
		return nil, "", err
	}
	// Empty, not nil: the column holds no NULL, and no secret's hash is
	// empty, so nothing authenticates as a public client.
	a.SecretHash = []byte{}
	switch {
	case attrs.ClientSecret != nil && a.IsPublic():
		return nil, "", domain.Invalid("clientSecret", "a public client has no secret")
	case attrs.ClientSecret != nil:
		if len(*attrs.ClientSecret) < domain.MinGivenClientSecret {
			return nil, "", domain.Invalid("clientSecret", "a secret you set must be at least %d characters", domain.MinGivenClientSecret)
		}
		a.SecretHash = secret.HashToken(*attrs.ClientSecret) // the caller has it: not shown again
	case !a.IsPublic():
		if clientSecret, err = token.NewOpaque(token.PrefixClientSecret); err != nil {
			return nil, "", err
		}
		a.SecretHash = secret.HashToken(clientSecret)
	}
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
// Applications admins create are first party (no consent page) unless
// attrs say otherwise.
func newApplication(attrs ApplicationPatch) *domain.Application {
	a := &domain.Application{
		Scopes:                 []string{},
		DefaultScopes:          []string{},
		AccessTokenTTL:         domain.DefaultAccessTokenTTL,
		RefreshTokenTTL:        domain.DefaultRefreshTokenTTL,
		RefreshReuseGrace:      domain.DefaultRefreshReuseGrace,
		ClientType:             domain.ClientConfidential,
		RedirectURIs:           []string{},
		PostLogoutRedirectURIs: []string{},
		FirstParty:             true,
	}
	applyApplicationPatch(a, attrs)
	// An empty list or a zero lifetime asks for the default too.
	if len(a.GrantTypes) == 0 {
		a.GrantTypes = append([]string(nil), DefaultGrantTypes...)
		if a.IsPublic() {
			a.GrantTypes = append([]string(nil), DefaultPublicGrantTypes...)
		}
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
//
// A client made public loses its secret at once (after the update, so a
// refused update keeps it). A public client made confidential has no
// secret until one is rotated in (RotateApplicationSecret): the update
// answer never carries a secret, and until then nothing authenticates
// as the client.
func (s *Service) UpdateApplication(ctx context.Context, p Principal, tenant, id string, patch ApplicationPatch) (*domain.Application, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, err
	}
	if err := s.checkClientKeys(ctx, patch); err != nil {
		return nil, err
	}
	if patch.GrantTypes != nil && len(*patch.GrantTypes) == 0 {
		return nil, domain.Invalid("grantTypes", "an application needs at least one grant type")
	}
	a, err := s.store.UpdateApplication(ctx, tenant, id, func(a *domain.Application) error {
		if patch.Owner != nil && *patch.Owner != a.Owner {
			return errOwnerReadOnly()
		}
		applyApplicationPatch(a, patch)
		return domain.ValidateApplication(a)
	})
	if err != nil {
		return nil, err
	}
	if a.IsPublic() && len(a.SecretHash) > 0 {
		if a, err = s.store.SetApplicationSecret(ctx, tenant, id, []byte{}); err != nil {
			return nil, err
		}
	}
	s.changed(ctx, p, tenant, "application.update", id, nil)
	return a, nil
}

func errOwnerReadOnly() error {
	return domain.Invalid("owner", "is read-only: it names the user who registered the application in the developer portal")
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
	if patch.ClientType != nil {
		a.ClientType = *patch.ClientType
	}
	if patch.RedirectURIs != nil {
		a.RedirectURIs = nonNil(*patch.RedirectURIs)
	}
	if patch.PostLogoutRedirectURIs != nil {
		a.PostLogoutRedirectURIs = nonNil(*patch.PostLogoutRedirectURIs)
	}
	if patch.FirstParty != nil {
		a.FirstParty = *patch.FirstParty
	}
	if patch.IDTokenSigningAlg != nil {
		a.IDTokenSigningAlg = *patch.IDTokenSigningAlg
	}
	if patch.JWKS != nil {
		a.JWKS = *patch.JWKS
	}
	if patch.JWKSURI != nil {
		a.JWKSURI = *patch.JWKSURI
	}
	if patch.RequireDPoP != nil {
		a.RequireDPoP = *patch.RequireDPoP
	}
	if patch.SetTokenExchange {
		a.TokenExchange = patch.TokenExchange
	}
}

// checkClientKeys reads the keys a patch registers, before anything is
// stored: an inline JWK Set must hold only usable public keys, and a
// jwksUri must pass the upstream rule as a tenant admin's address does,
// whoever registers it, since every fetch is made under that rule.
func (s *Service) checkClientKeys(ctx context.Context, patch ApplicationPatch) error {
	if patch.JWKS != nil && *patch.JWKS != "" {
		if _, err := token.ParseClientKeys([]byte(*patch.JWKS)); err != nil {
			return domain.Invalid("jwks", "%v", err)
		}
	}
	if patch.JWKSURI != nil && *patch.JWKSURI != "" {
		if err := domain.ValidateJWKSURI(*patch.JWKSURI); err != nil {
			return err
		}
		return s.checkProviderAddress(ctx, "jwksUri", *patch.JWKSURI, false)
	}
	return nil
}

// RotateApplicationSecret gives application id a new secret, returned
// once; the old secret stops working at once. A public client has no
// secret to rotate.
func (s *Service) RotateApplicationSecret(ctx context.Context, p Principal, tenant, id string) (*domain.Application, string, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, "", err
	}
	if a, err := s.store.GetApplication(ctx, tenant, id); err != nil {
		return nil, "", err
	} else if a.IsPublic() {
		return nil, "", domain.Invalid("clientType", "application %s is a public client, which has no secret; make it confidential first", id)
	}
	return s.rotateSecret(ctx, p, tenant, id)
}

// rotateSecret writes a new secret's hash for application id in one
// statement and returns the secret: of two rotations sent together, the
// later one's secret is the one that works, and nothing is half-done.
func (s *Service) rotateSecret(ctx context.Context, p Principal, tenant, id string) (*domain.Application, string, error) {
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
