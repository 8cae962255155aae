package admin

import (
	"context"
)

// UnlockUser clears a user's failed sign-ins on every node, so a user
// refused or delayed after guessing (their own or a stranger's) may sign
// in again at once. The counters of the addresses involved stay: they
// are not the user's.
func (s *Service) UnlockUser(ctx context.Context, p Principal, tenant, id string) error {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return err
	}
	if _, err := s.store.GetUser(ctx, tenant, id); err != nil {
		return err
	}
	return s.changed(ctx, p, tenant, "user.unlock", id, s.limiter.Clear(ctx, tenant, id))
}
