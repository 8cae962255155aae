package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

const embedCols = `enabled, sealed_secret, scopes, access_token_ttl_ns, refresh_token_ttl_ns, updated_at`

// GetEmbedSettings returns a tenant's embed settings, ErrNotFound when the
// tenant never had any.
func (s *Store) GetEmbedSettings(ctx context.Context, tenant string) (*domain.EmbedSettings, error) {
	e := domain.EmbedSettings{Tenant: tenant}
	var access, refresh int64
	err := s.reader(ctx).queryRow(ctx, `SELECT `+embedCols+` FROM embed_settings WHERE tenant = ?`, tenant).
		Scan(&e.Enabled, &e.SealedSecret, listCol{&e.Scopes}, &access, &refresh, timeCol{&e.UpdatedAt})
	if err != nil {
		return nil, notFound(err, "embed settings of tenant", tenant)
	}
	e.AccessTokenTTL, e.RefreshTokenTTL = time.Duration(access), time.Duration(refresh)
	return &e, nil
}

// PutEmbedSettings creates or replaces a tenant's embed settings in one
// statement, so a regenerated secret replaces the old one at once. A nil
// SealedSecret keeps the stored secret, so a settings change racing a
// regeneration cannot bring the old secret back.
func (s *Store) PutEmbedSettings(ctx context.Context, tenant string, e *domain.EmbedSettings) error {
	if e.UpdatedAt.IsZero() {
		e.UpdatedAt = time.Now()
	}
	e.UpdatedAt = normTime(e.UpdatedAt)
	keep := e.SealedSecret == nil
	sealed := e.SealedSecret
	if keep {
		sealed = []byte{} // NOT NULL; empty means no secret yet
	}
	return s.writeChange(ctx, change{tenant, domain.EntityEmbed, tenant}, func(tx *tx) error {
		_, err := tx.exec(ctx, `INSERT INTO embed_settings (tenant, `+embedCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (tenant) DO UPDATE SET enabled = excluded.enabled,
				sealed_secret = CASE WHEN ? THEN embed_settings.sealed_secret ELSE excluded.sealed_secret END,
				scopes = excluded.scopes, access_token_ttl_ns = excluded.access_token_ttl_ns,
				refresh_token_ttl_ns = excluded.refresh_token_ttl_ns, updated_at = excluded.updated_at`,
			tenant, e.Enabled, sealed, encList(e.Scopes), int64(e.AccessTokenTTL), int64(e.RefreshTokenTTL),
			tx.d.ts(e.UpdatedAt), keep)
		if err != nil {
			return fmt.Errorf("embed settings: %w", mapErr(err))
		}
		e.Tenant = tenant
		return nil
	})
}

// RedeemOnce records nonce (a single-use value: store.Store) as used
// until expiresAt, in one statement: a row whose expiry has passed at now is taken over, a live
// one makes the upsert touch nothing, which means the nonce was seen.
// Two nodes racing on one nonce serialise on the primary key, so exactly
// one of them succeeds.
func (s *Store) RedeemOnce(ctx context.Context, tenant, nonce string, expiresAt, now time.Time) error {
	return s.writeStatement(ctx, func(tx *tx) error {
		res, err := tx.exec(ctx, `INSERT INTO embed_nonces (tenant, nonce, expires_at) VALUES (?, ?, ?)
			ON CONFLICT (tenant, nonce) DO UPDATE SET expires_at = excluded.expires_at
			WHERE embed_nonces.expires_at <= ?`,
			tenant, nonce, tx.d.ts(expiresAt), tx.d.ts(now))
		if err != nil {
			return mapErr(err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("single-use value: %w", domain.ErrConflict)
		}
		return nil
	})
}
