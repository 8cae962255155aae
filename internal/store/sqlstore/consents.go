package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Consents are read from here on each authorization request that needs
// one and cached by no node, so they append nothing to the change feed.

const consentCols = `client_id, scopes, created_at, updated_at`

func scanConsent(sc interface{ Scan(...any) error }, c *domain.Consent) error {
	return sc.Scan(&c.ClientID, listCol{&c.Scopes}, timeCol{&c.CreatedAt}, timeCol{&c.UpdatedAt})
}

// GetConsent returns what a user granted a client.
func (s *Store) GetConsent(ctx context.Context, tenant, userID, clientID string) (*domain.Consent, error) {
	c := domain.Consent{Tenant: tenant, UserID: userID}
	row := s.reader(ctx).queryRow(ctx, `SELECT `+consentCols+` FROM consents
		WHERE tenant = ? AND user_id = ? AND client_id = ?`, tenant, userID, clientID)
	if err := scanConsent(row, &c); err != nil {
		return nil, notFound(err, "consent to client", clientID)
	}
	return &c, nil
}

// PutConsent creates or replaces a user's consent to a client in one
// statement. UpdatedAt defaults to now; a replaced consent keeps the
// CreatedAt of the first, which c gets back.
func (s *Store) PutConsent(ctx context.Context, tenant string, c *domain.Consent) error {
	if c.UpdatedAt.IsZero() {
		c.UpdatedAt = time.Now()
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = c.UpdatedAt
	}
	c.CreatedAt, c.UpdatedAt = normTime(c.CreatedAt), normTime(c.UpdatedAt)
	return s.writeStatement(ctx, func(tx *tx) error {
		err := tx.queryRow(ctx, `INSERT INTO consents (tenant, user_id, `+consentCols+`) VALUES (?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant, user_id, client_id) DO UPDATE SET scopes = excluded.scopes, updated_at = excluded.updated_at
			RETURNING created_at`,
			tenant, c.UserID, c.ClientID, encList(c.Scopes), tx.d.ts(c.CreatedAt), tx.d.ts(c.UpdatedAt)).
			Scan(timeCol{&c.CreatedAt})
		if err != nil {
			return fmt.Errorf("consent to client %q: %w", c.ClientID, ofUser(mapErr(err), c.UserID))
		}
		c.Tenant = tenant
		return nil
	})
}

// ListConsents returns a user's consents ordered by client id.
func (s *Store) ListConsents(ctx context.Context, tenant, userID string) ([]domain.Consent, error) {
	return queryAll(ctx, s.reader(ctx), func(rows *sql.Rows, c *domain.Consent) error {
		c.Tenant, c.UserID = tenant, userID
		return scanConsent(rows, c)
	}, `SELECT `+consentCols+` FROM consents WHERE tenant = ? AND user_id = ? ORDER BY client_id`, tenant, userID)
}

// DeleteConsent withdraws a user's consent to a client.
func (s *Store) DeleteConsent(ctx context.Context, tenant, userID, clientID string) error {
	return s.writeStatement(ctx, func(tx *tx) error {
		return tx.execOne(ctx, fmt.Errorf("consent to client %q: %w", clientID, domain.ErrNotFound),
			`DELETE FROM consents WHERE tenant = ? AND user_id = ? AND client_id = ?`, tenant, userID, clientID)
	})
}
