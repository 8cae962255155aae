package admin

import (
	"context"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// A user's browser sessions and consents are theirs to see and end, like
// their API tokens: admins of the tenant may too (ownUser). Sessions and
// consents are read from the database on every request, on every node,
// so ending one is in effect everywhere at once.

// ListSessions returns userID's live sessions, newest first.
func (s *Service) ListSessions(ctx context.Context, p Principal, tenant, userID string) ([]domain.Session, error) {
	_, u, err := s.ownUser(ctx, p, tenant, userID)
	if err != nil {
		return nil, err
	}
	return s.store.ListSessions(ctx, tenant, u.ID, s.Now())
}

// EndSession signs userID out of session id.
func (s *Service) EndSession(ctx context.Context, p Principal, tenant, userID, id string) error {
	_, u, err := s.ownUser(ctx, p, tenant, userID)
	if err != nil {
		return err
	}
	return s.changed(ctx, p, tenant, "session.delete", u.ID+"/"+id, s.store.DeleteSession(ctx, tenant, u.ID, id))
}

// EndSessions signs userID out everywhere and returns how many sessions
// ended.
func (s *Service) EndSessions(ctx context.Context, p Principal, tenant, userID string) (int64, error) {
	_, u, err := s.ownUser(ctx, p, tenant, userID)
	if err != nil {
		return 0, err
	}
	n, err := s.store.DeleteUserSessions(ctx, tenant, u.ID)
	return n, s.changed(ctx, p, tenant, "session.delete_all", u.ID, err)
}

// ListConsents returns the third-party clients userID consented to.
func (s *Service) ListConsents(ctx context.Context, p Principal, tenant, userID string) ([]domain.Consent, error) {
	_, u, err := s.ownUser(ctx, p, tenant, userID)
	if err != nil {
		return nil, err
	}
	return s.store.ListConsents(ctx, tenant, u.ID)
}

// RevokeConsent forgets userID's consent to clientID: the client's next
// authorization request shows the consent page again. Tokens issued
// already stay valid until they expire or are revoked.
func (s *Service) RevokeConsent(ctx context.Context, p Principal, tenant, userID, clientID string) error {
	_, u, err := s.ownUser(ctx, p, tenant, userID)
	if err != nil {
		return err
	}
	return s.changed(ctx, p, tenant, "consent.delete", u.ID+"/"+clientID, s.store.DeleteConsent(ctx, tenant, u.ID, clientID))
}
