package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Links of federated identities are read on each sign-in through a
// provider and cached by no node: a link appends no change, the user a
// CreateFederatedUser creates does.

// FederatedUser returns the user linked to a provider's subject, in one
// query.
func (s *Store) FederatedUser(ctx context.Context, tenant, provider, subject string) (*domain.User, error) {
	u := domain.User{Tenant: tenant}
	row := s.reader(ctx).queryRow(ctx, `SELECT `+prefixed("u.", userCols)+` FROM federated_identities f
		JOIN users u ON u.tenant = f.tenant AND u.id = f.user_id
		WHERE f.tenant = ? AND f.provider = ? AND f.subject = ?`, tenant, provider, subject)
	if err := scanUser(row, &u); err != nil {
		return nil, notFound(err, fmt.Sprintf("identity of provider %q with subject", provider), subject)
	}
	return &u, nil
}

// LinkIdentity links a provider's subject to an existing user.
func (s *Store) LinkIdentity(ctx context.Context, tenant string, f *domain.FederatedIdentity) error {
	return s.write(ctx, func(tx *tx) error {
		// Checked first: a foreign-key failure of the link could be the
		// user's or the provider's.
		if _, err := findUserByID(ctx, tx, tenant, f.UserID); err != nil {
			return err
		}
		return insertLink(ctx, tx, tenant, f)
	})
}

// CreateFederatedUser creates u exactly as CreateUser does, change
// included, and links f to it in the same transaction; f.UserID becomes
// u.ID.
func (s *Store) CreateFederatedUser(ctx context.Context, tenant string, u *domain.User, f *domain.FederatedIdentity) error {
	stampUser(u)
	f.UserID = u.ID
	return s.writeChange(ctx, change{tenant, domain.EntityUser, u.ID}, func(tx *tx) error {
		if err := insertUser(ctx, tx, tenant, u); err != nil {
			return err
		}
		return insertLink(ctx, tx, tenant, f)
	})
}

// insertLink stores f once its user is known to exist, so a foreign-key
// failure means the provider does not; CreatedAt defaults to now.
func insertLink(ctx context.Context, tx *tx, tenant string, f *domain.FederatedIdentity) error {
	if f.CreatedAt.IsZero() {
		f.CreatedAt = time.Now()
	}
	f.CreatedAt = normTime(f.CreatedAt)
	_, err := tx.exec(ctx, `INSERT INTO federated_identities (tenant, provider, subject, user_id, created_at)
		VALUES (?, ?, ?, ?, ?)`, tenant, f.Provider, f.Subject, f.UserID, tx.d.ts(f.CreatedAt))
	switch err = mapErr(err); {
	case errors.Is(err, domain.ErrNotFound):
		return fmt.Errorf("identity provider %q: %w", f.Provider, domain.ErrNotFound)
	case err != nil:
		return fmt.Errorf("identity of provider %q with subject %q: %w", f.Provider, f.Subject, err)
	}
	f.Tenant = tenant
	return nil
}
