package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Placeholders until the browser sign-in tables land (issue 14).
var errTODO = errors.New("sqlstore: not implemented yet")

func (s *Store) CreateSession(ctx context.Context, tenant string, x *domain.Session) error {
	return errTODO
}
func (s *Store) GetSession(ctx context.Context, tenant string, hash []byte, idle time.Duration, now time.Time) (*domain.Session, error) {
	return nil, errTODO
}
func (s *Store) TouchSession(ctx context.Context, tenant, id string, at time.Time) error { return errTODO }
func (s *Store) ListSessions(ctx context.Context, tenant, userID string, now time.Time) ([]domain.Session, error) {
	return nil, errTODO
}
func (s *Store) DeleteSession(ctx context.Context, tenant, userID, id string) error { return errTODO }
func (s *Store) DeleteUserSessions(ctx context.Context, tenant, userID string) (int64, error) {
	return 0, errTODO
}
func (s *Store) CreateAuthCode(ctx context.Context, tenant string, c *domain.AuthCode) error {
	return errTODO
}
func (s *Store) RedeemAuthCode(ctx context.Context, tenant string, hash []byte, familyID string, now time.Time) (*domain.AuthCode, error) {
	return nil, errTODO
}
func (s *Store) GetConsent(ctx context.Context, tenant, userID, clientID string) (*domain.Consent, error) {
	return nil, errTODO
}
func (s *Store) PutConsent(ctx context.Context, tenant string, c *domain.Consent) error { return errTODO }
func (s *Store) ListConsents(ctx context.Context, tenant, userID string) ([]domain.Consent, error) {
	return nil, errTODO
}
func (s *Store) DeleteConsent(ctx context.Context, tenant, userID, clientID string) error {
	return errTODO
}
func (s *Store) CreateIdentityProvider(ctx context.Context, tenant string, p *domain.IdentityProvider) error {
	return errTODO
}
func (s *Store) GetIdentityProvider(ctx context.Context, tenant, id string) (*domain.IdentityProvider, error) {
	return nil, errTODO
}
func (s *Store) ListIdentityProviders(ctx context.Context, tenant string, p domain.Page) ([]domain.IdentityProvider, error) {
	return nil, errTODO
}
func (s *Store) UpdateIdentityProvider(ctx context.Context, tenant, id string, fn func(*domain.IdentityProvider) error) (*domain.IdentityProvider, error) {
	return nil, errTODO
}
func (s *Store) DeleteIdentityProvider(ctx context.Context, tenant, id string) error { return errTODO }
func (s *Store) FederatedUser(ctx context.Context, tenant, provider, subject string) (*domain.User, error) {
	return nil, errTODO
}
func (s *Store) LinkIdentity(ctx context.Context, tenant string, f *domain.FederatedIdentity) error {
	return errTODO
}
func (s *Store) CreateFederatedUser(ctx context.Context, tenant string, u *domain.User, f *domain.FederatedIdentity) error {
	return errTODO
}
