package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

const authCodeCols = `client_id, user_id, session_id, redirect_uri, code_challenge, nonce, scopes, resources,
	methods, auth_time, created_at, expires_at, family_id`

func scanAuthCode(sc interface{ Scan(...any) error }, c *domain.AuthCode) error {
	return sc.Scan(&c.ClientID, &c.UserID, &c.SessionID, &c.RedirectURI, &c.CodeChallenge, &c.Nonce,
		listCol{&c.Scopes}, listCol{&c.Resources}, listCol{&c.Methods}, timeCol{&c.AuthTime},
		timeCol{&c.CreatedAt}, timeCol{&c.ExpiresAt}, &c.FamilyID)
}

// CreateAuthCode stores a new authorization code; CreatedAt defaults to
// now. It has no family until it is redeemed.
func (s *Store) CreateAuthCode(ctx context.Context, tenant string, c *domain.AuthCode) error {
	if c.CreatedAt.IsZero() {
		c.CreatedAt = time.Now()
	}
	c.AuthTime, c.CreatedAt, c.ExpiresAt = normTime(c.AuthTime), normTime(c.CreatedAt), normTime(c.ExpiresAt)
	c.FamilyID = ""
	return s.writeStatement(ctx, func(tx *tx) error {
		_, err := tx.exec(ctx, `INSERT INTO auth_codes (tenant, hash, `+authCodeCols+`)
			VALUES (`+placeholders(15, 1)+`)`,
			tenant, c.Hash, c.ClientID, c.UserID, c.SessionID, c.RedirectURI, c.CodeChallenge, c.Nonce,
			encList(c.Scopes), encList(c.Resources), encList(c.Methods), tx.d.ts(c.AuthTime),
			tx.d.ts(c.CreatedAt), tx.d.ts(c.ExpiresAt), c.FamilyID)
		if err != nil {
			// No hash in the message: errors reach logs.
			return fmt.Errorf("authorization code: %w", mapErr(err))
		}
		c.Tenant = tenant
		return nil
	})
}

// RedeemAuthCode consumes a code with one conditional UPDATE, the arbiter
// between concurrent redemptions on any node: on PostgreSQL the loser
// waits on the row lock, then finds redeemed_at set and matches nothing;
// SQLite runs writers one at a time. The family's first refresh token,
// when there is one, is inserted in the same transaction. Only a code
// that was not redeemable costs a second statement, a read of why: a
// replay of a redeemed code is told apart from an unknown or expired one.
func (s *Store) RedeemAuthCode(ctx context.Context, tenant string, hash []byte, familyID string, next *domain.RefreshToken, now time.Time) (*domain.AuthCode, error) {
	c := domain.AuthCode{Tenant: tenant, Hash: hash}
	redeem := func(tx *tx) error {
		err := scanAuthCode(tx.queryRow(ctx, `UPDATE auth_codes SET redeemed_at = ?, family_id = ?
			WHERE tenant = ? AND hash = ? AND redeemed_at IS NULL AND expires_at > ?
			RETURNING `+authCodeCols, tx.d.ts(now), familyID, tenant, hash, tx.d.ts(now)), &c)
		if err != nil || next == nil {
			return err
		}
		next.FamilyID, next.ClientID, next.Subject = c.FamilyID, c.ClientID, c.UserID
		next.Scopes, next.Audience = slices.Clone(c.Scopes), slices.Clone(c.Resources)
		if len(next.Audience) == 0 {
			next.Audience = []string{c.ClientID}
		}
		return insertRefreshToken(ctx, tx, tenant, next)
	}
	var err error
	if next == nil {
		err = s.writeStatement(ctx, redeem)
	} else {
		err = s.write(ctx, redeem)
	}
	if err == nil {
		return &c, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	// Read after the UPDATE's commit, this sees any redemption that beat
	// it; nothing makes a code redeemable again.
	t := s.reader(ctx)
	row := t.queryRow(ctx, `SELECT `+authCodeCols+` FROM auth_codes
		WHERE tenant = ? AND hash = ? AND redeemed_at IS NOT NULL AND expires_at > ?`, tenant, hash, t.d.ts(now))
	if err := scanAuthCode(row, &c); err != nil {
		if errors.Is(err, sql.ErrNoRows) {
			return nil, fmt.Errorf("authorization code: %w", domain.ErrNotFound)
		}
		return nil, mapErr(err)
	}
	return &c, fmt.Errorf("authorization code redeemed before: %w", domain.ErrTokenReused)
}
