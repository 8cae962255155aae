package admin

import (
	"context"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// userID maps a user id as a request names it (a URL path) to the stored
// id: its PRECIS form (domain.NormalizeUsername), so "John.Doe" addresses
// john.doe. A name whose form differs is first tried exactly as given:
// rows that migration 0013 left unnormalised (names that collided, or
// that PRECIS refuses) stay reachable, so an operator can delete them.
func (s *Service) userID(ctx context.Context, tenant, id string) (string, error) {
	n, err := domain.NormalizeUsername(id)
	if err == nil && n == id {
		return n, nil
	}
	if _, gerr := s.store.GetUser(ctx, tenant, id); gerr == nil {
		return id, nil
	}
	return n, err
}
