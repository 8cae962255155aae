package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

const brokerCols = `id, token_url, upstream_tenant, grant_type, client_id, sealed_client_secret, username,
	sealed_password, resource, scopes, allowed_roles, refresh_before_ns, is_default, by_operator,
	created_at, updated_at`

func scanBrokerProvider(sc interface{ Scan(...any) error }, p *domain.BrokerProvider) error {
	var refresh int64
	err := sc.Scan(&p.ID, &p.TokenURL, &p.UpstreamTenant, &p.GrantType, &p.ClientID, &p.SealedClientSecret,
		&p.Username, &p.SealedPassword, &p.Resource, listCol{&p.Scopes}, listCol{&p.AllowedRoles}, &refresh,
		&p.Default, &p.ByOperator, timeCol{&p.CreatedAt}, timeCol{&p.UpdatedAt})
	p.RefreshBefore = time.Duration(refresh)
	return err
}

// CreateBrokerProvider stores a new provider whose allowed roles the
// tenant has; as the default, it takes the flag from the tenant's other
// providers. CreatedAt and UpdatedAt default to now.
func (s *Store) CreateBrokerProvider(ctx context.Context, tenant string, p *domain.BrokerProvider) error {
	if p.CreatedAt.IsZero() {
		p.CreatedAt = time.Now()
	}
	if p.UpdatedAt.IsZero() {
		p.UpdatedAt = p.CreatedAt
	}
	p.CreatedAt, p.UpdatedAt = normTime(p.CreatedAt), normTime(p.UpdatedAt)
	return s.writeChange(ctx, change{tenant, domain.EntityBrokerProvider, p.ID}, func(tx *tx) error {
		if err := takeBrokerDefault(ctx, tx, tenant, p); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `INSERT INTO broker_providers (tenant, `+brokerCols+`) VALUES (`+placeholders(17, 1)+`)`,
			tenant, p.ID, p.TokenURL, p.UpstreamTenant, p.GrantType, p.ClientID, p.SealedClientSecret, p.Username,
			p.SealedPassword, p.Resource, encList(p.Scopes), encList(p.AllowedRoles), int64(p.RefreshBefore),
			p.Default, p.ByOperator, tx.d.ts(p.CreatedAt), tx.d.ts(p.UpdatedAt))
		if err != nil {
			return fmt.Errorf("broker provider %q: %w", p.ID, mapErr(err))
		}
		p.Tenant = tenant
		return requireAll(ctx, tx, tenant, "role", "allowedRoles", p.AllowedRoles)
	})
}

// takeBrokerDefault clears the default flag of tenant's providers other
// than p when p is to be the default. Each one changed gets a change in
// the feed, so caches of "the tenant's default" learn of it, but keeps its
// updatedAt: the token obtained under its settings is still good.
func takeBrokerDefault(ctx context.Context, tx *tx, tenant string, p *domain.BrokerProvider) error {
	if !p.Default {
		return nil
	}
	ids, err := queryAll(ctx, tx, func(rows *sql.Rows, id *string) error { return rows.Scan(id) },
		`UPDATE broker_providers SET is_default = ? WHERE tenant = ? AND is_default AND id <> ? RETURNING id`,
		false, tenant, p.ID)
	if err != nil {
		return err
	}
	for _, id := range ids {
		if err := (change{tenant, domain.EntityBrokerProvider, id}).append(ctx, tx); err != nil {
			return err
		}
	}
	return nil
}

// GetBrokerProvider returns one provider.
func (s *Store) GetBrokerProvider(ctx context.Context, tenant, id string) (*domain.BrokerProvider, error) {
	return findBrokerProvider(ctx, s.reader(ctx), tenant, `id = ?`, id, "")
}

// GetDefaultBrokerProvider returns the tenant's default provider.
func (s *Store) GetDefaultBrokerProvider(ctx context.Context, tenant string) (*domain.BrokerProvider, error) {
	return findBrokerProvider(ctx, s.reader(ctx), tenant, `is_default = ?`, true, "")
}

// findBrokerProvider reads the provider of tenant matching cond (one
// parameter, arg); lock is "" or the dialect's forUpdate.
func findBrokerProvider(ctx context.Context, tx *tx, tenant, cond string, arg any, lock string) (*domain.BrokerProvider, error) {
	p := domain.BrokerProvider{Tenant: tenant}
	row := tx.queryRow(ctx, `SELECT `+brokerCols+` FROM broker_providers WHERE tenant = ? AND `+cond+lock, tenant, arg)
	if err := scanBrokerProvider(row, &p); err != nil {
		if id, ok := arg.(string); ok {
			return nil, notFound(err, "broker provider", id)
		}
		return nil, notFound(err, "default broker provider of tenant", tenant)
	}
	return &p, nil
}

// ListBrokerProviders returns a page of the tenant's providers ordered by
// ID.
func (s *Store) ListBrokerProviders(ctx context.Context, tenant string, p domain.Page) ([]domain.BrokerProvider, error) {
	return queryAll(ctx, s.reader(ctx), func(rows *sql.Rows, x *domain.BrokerProvider) error {
		x.Tenant = tenant
		return scanBrokerProvider(rows, x)
	}, `SELECT `+brokerCols+` FROM broker_providers
		WHERE tenant = ? AND id > ? ORDER BY id LIMIT ?`, tenant, p.After, pageLimit(p))
}

// UpdateBrokerProvider is a compare-and-swap of every attribute of a
// provider (see store.Store). fn gets the stored secrets; leaving one nil
// keeps it, so a change that does not name a write-only secret cannot
// erase it. The cached token goes: it was obtained under the old settings.
func (s *Store) UpdateBrokerProvider(ctx context.Context, tenant, id string, fn func(*domain.BrokerProvider) error) (*domain.BrokerProvider, error) {
	var secret, password []byte
	return update(ctx, s, change{tenant, domain.EntityBrokerProvider, id}, func(tx *tx) (*domain.BrokerProvider, error) {
		p, err := findBrokerProvider(ctx, tx, tenant, `id = ?`, id, tx.d.forUpdate())
		if err == nil {
			secret, password = p.SealedClientSecret, p.SealedPassword
		}
		return p, err
	}, fn, func(tx *tx, p *domain.BrokerProvider, now time.Time) error {
		p.Tenant, p.ID, p.UpdatedAt = tenant, id, now
		if p.SealedClientSecret == nil {
			p.SealedClientSecret = secret
		}
		if p.SealedPassword == nil {
			p.SealedPassword = password
		}
		if err := requireAll(ctx, tx, tenant, "role", "allowedRoles", p.AllowedRoles); err != nil {
			return err
		}
		if err := takeBrokerDefault(ctx, tx, tenant, p); err != nil {
			return err
		}
		if _, err := tx.exec(ctx, `UPDATE broker_providers SET token_url = ?, upstream_tenant = ?, grant_type = ?,
				client_id = ?, sealed_client_secret = ?, username = ?, sealed_password = ?, resource = ?, scopes = ?,
				allowed_roles = ?, refresh_before_ns = ?, is_default = ?, by_operator = ?, updated_at = ?
				WHERE tenant = ? AND id = ?`,
			p.TokenURL, p.UpstreamTenant, p.GrantType, p.ClientID, p.SealedClientSecret, p.Username, p.SealedPassword,
			p.Resource, encList(p.Scopes), encList(p.AllowedRoles), int64(p.RefreshBefore), p.Default, p.ByOperator,
			tx.d.ts(now), tenant, id); err != nil {
			return err
		}
		_, err := tx.exec(ctx, `DELETE FROM broker_tokens WHERE tenant = ? AND provider = ?`, tenant, id)
		return err
	})
}

// DeleteBrokerProvider removes a provider; its token goes with it
// (foreign key).
func (s *Store) DeleteBrokerProvider(ctx context.Context, tenant, id string) error {
	return s.writeChange(ctx, change{tenant, domain.EntityBrokerProvider, id}, func(tx *tx) error {
		return tx.execOne(ctx, fmt.Errorf("broker provider %q: %w", id, domain.ErrNotFound),
			`DELETE FROM broker_providers WHERE tenant = ? AND id = ?`, tenant, id)
	})
}

// GetBrokerToken returns the token last stored for a provider; a row that
// holds only a lease has none.
func (s *Store) GetBrokerToken(ctx context.Context, tenant, provider string) (*domain.BrokerToken, error) {
	t := domain.BrokerToken{Tenant: tenant, Provider: provider}
	err := s.reader(ctx).queryRow(ctx, `SELECT sealed, expires_at, resource, obtained_at, provider_updated_at
		FROM broker_tokens WHERE tenant = ? AND provider = ? AND sealed IS NOT NULL`, tenant, provider).
		Scan(&t.Sealed, timeCol{&t.ExpiresAt}, &t.Resource, timeCol{&t.ObtainedAt}, timeCol{&t.ProviderUpdatedAt})
	if err != nil {
		return nil, notFound(err, "broker token", provider)
	}
	return &t, nil
}

// ClaimBrokerRefresh takes the provider's refresh lease until until
// unless another holder's lease is still running at now. It is one
// statement, so concurrent claimers (on any node) are serialised by the
// row's lock: the first sets the lease and the others find it running.
// An unknown provider is ErrNotFound (foreign key).
func (s *Store) ClaimBrokerRefresh(ctx context.Context, tenant, provider string, until, now time.Time) (bool, error) {
	var claimed bool
	err := s.writeStatement(ctx, func(tx *tx) error {
		res, err := tx.exec(ctx, `INSERT INTO broker_tokens (tenant, provider, lease_until) VALUES (?, ?, ?)
			ON CONFLICT (tenant, provider) DO UPDATE SET lease_until = excluded.lease_until
			WHERE broker_tokens.lease_until IS NULL OR broker_tokens.lease_until <= ?`,
			tenant, provider, tx.d.ts(until), tx.d.ts(now))
		if err != nil {
			return brokerTokenErr(provider, err)
		}
		n, err := res.RowsAffected()
		claimed = n == 1
		return err
	})
	return claimed, err
}

// PutBrokerToken stores a provider's token, replacing the last one, and
// releases the refresh lease. An unknown provider is ErrNotFound.
func (s *Store) PutBrokerToken(ctx context.Context, t *domain.BrokerToken) error {
	return s.writeStatement(ctx, func(tx *tx) error {
		_, err := tx.exec(ctx, `INSERT INTO broker_tokens (tenant, provider, sealed, expires_at, resource, obtained_at,
				provider_updated_at, lease_until) VALUES (?, ?, ?, ?, ?, ?, ?, NULL)
			ON CONFLICT (tenant, provider) DO UPDATE SET sealed = excluded.sealed, expires_at = excluded.expires_at,
				resource = excluded.resource, obtained_at = excluded.obtained_at,
				provider_updated_at = excluded.provider_updated_at, lease_until = NULL`,
			t.Tenant, t.Provider, secret(t.Sealed), tx.d.ts(t.ExpiresAt), t.Resource, tx.d.ts(t.ObtainedAt),
			tx.d.ts(t.ProviderUpdatedAt))
		return brokerTokenErr(t.Provider, err)
	})
}

// brokerTokenErr names the provider in a token write's error: the one
// foreign key of broker_tokens points at the provider, not at the tenant
// mapErr assumes.
func brokerTokenErr(provider string, err error) error {
	if err = mapErr(err); errors.Is(err, domain.ErrNotFound) {
		return fmt.Errorf("broker provider %q: %w", provider, domain.ErrNotFound)
	}
	return err
}
