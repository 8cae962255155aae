package sqlstore

// Placeholder until the broker store lands (issue 16, in progress): the
// methods answer errNotYet.

import (
	"context"
	"errors"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

var errNotYet = errors.New("broker store not implemented yet")

func (s *Store) CreateBrokerProvider(context.Context, string, *domain.BrokerProvider) error {
	return errNotYet
}
func (s *Store) GetBrokerProvider(context.Context, string, string) (*domain.BrokerProvider, error) {
	return nil, errNotYet
}
func (s *Store) GetDefaultBrokerProvider(context.Context, string) (*domain.BrokerProvider, error) {
	return nil, errNotYet
}
func (s *Store) ListBrokerProviders(context.Context, string, domain.Page) ([]domain.BrokerProvider, error) {
	return nil, errNotYet
}
func (s *Store) UpdateBrokerProvider(context.Context, string, string, func(*domain.BrokerProvider) error) (*domain.BrokerProvider, error) {
	return nil, errNotYet
}
func (s *Store) DeleteBrokerProvider(context.Context, string, string) error { return errNotYet }
func (s *Store) GetBrokerToken(context.Context, string, string) (*domain.BrokerToken, error) {
	return nil, errNotYet
}
func (s *Store) ClaimBrokerRefresh(context.Context, string, string, time.Time, time.Time) (bool, error) {
	return false, errNotYet
}
func (s *Store) PutBrokerToken(context.Context, *domain.BrokerToken) error { return errNotYet }
