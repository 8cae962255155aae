package admin

import (
	"context"
	"errors"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// EmbedPatch holds the attributes of an embed settings update; nil fields
// are kept.
type EmbedPatch struct {
	Enabled         *bool
	Scopes          *[]string
	AccessTokenTTL  *time.Duration
	RefreshTokenTTL *time.Duration
}

// GetEmbedSettings returns the tenant's embed settings; a tenant that
// never had any gets the defaults (disabled, no secret, no scopes).
func (s *Service) GetEmbedSettings(ctx context.Context, p Principal, tenant string) (*domain.EmbedSettings, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, err
	}
	return s.embedSettings(ctx, tenant)
}

func (s *Service) embedSettings(ctx context.Context, tenant string) (*domain.EmbedSettings, error) {
	e, err := s.store.GetEmbedSettings(ctx, tenant)
	if errors.Is(err, domain.ErrNotFound) {
		return &domain.EmbedSettings{Tenant: tenant, Scopes: []string{},
			AccessTokenTTL: domain.DefaultAccessTokenTTL, RefreshTokenTTL: domain.DefaultRefreshTokenTTL}, nil
	}
	return e, err
}

// UpdateEmbedSettings applies patch. Enabling needs a secret: generate
// one first (RegenerateEmbedSecret), so a half-configured tenant never
// accepts embed requests.
func (s *Service) UpdateEmbedSettings(ctx context.Context, p Principal, tenant string, patch EmbedPatch) (*domain.EmbedSettings, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, err
	}
	e, err := s.embedSettings(ctx, tenant)
	if err != nil {
		return nil, err
	}
	if patch.Enabled != nil {
		e.Enabled = *patch.Enabled
	}
	if patch.Scopes != nil {
		e.Scopes = nonNil(*patch.Scopes)
		if err := s.checkScopesExist(ctx, tenant, "scopes", e.Scopes); err != nil {
			return nil, err
		}
	}
	if patch.AccessTokenTTL != nil {
		if *patch.AccessTokenTTL > domain.MaxAccessTokenTTL {
			return nil, domain.Invalid("accessTokenTtl", "at most %d seconds", int64(domain.MaxAccessTokenTTL/time.Second))
		}
		e.AccessTokenTTL = *patch.AccessTokenTTL
	}
	if patch.RefreshTokenTTL != nil {
		e.RefreshTokenTTL = *patch.RefreshTokenTTL
	}
	if e.Enabled && len(e.SealedSecret) == 0 {
		return nil, domain.Invalid("enabled", "generate an embed secret before enabling embed authentication")
	}
	e.UpdatedAt = s.Now()
	sealed := e.SealedSecret
	e.SealedSecret = nil // keep whatever secret is stored by now
	if err := s.store.PutEmbedSettings(ctx, tenant, e); err != nil {
		return nil, err
	}
	e.SealedSecret = sealed
	return e, nil
}

// RegenerateEmbedSecret makes a new embed secret, replacing any old one
// in the same write, and returns it: this is the only time it is shown.
// It is sealed with the master key rather than hashed, because the signed
// form's HMAC needs the secret itself.
func (s *Service) RegenerateEmbedSecret(ctx context.Context, p Principal, tenant string) (*domain.EmbedSettings, string, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, "", err
	}
	if s.sealer == nil {
		return nil, "", errors.New("admin: no master key to seal embed secrets with")
	}
	e, err := s.embedSettings(ctx, tenant)
	if err != nil {
		return nil, "", err
	}
	raw, err := token.NewOpaque(domain.EmbedSecretPrefix)
	if err != nil {
		return nil, "", err
	}
	if e.SealedSecret, err = s.sealer.Seal([]byte(raw), domain.EmbedSecretAD(tenant)); err != nil {
		return nil, "", err
	}
	e.UpdatedAt = s.Now()
	if err := s.store.PutEmbedSettings(ctx, tenant, e); err != nil {
		return nil, "", err
	}
	return e, raw, nil
}
