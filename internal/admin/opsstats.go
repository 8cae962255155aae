package admin

import (
	"context"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// The console's summaries of a tenant. Each is one indexed store query, so
// an overview stays fast whatever the tenant's size.

// CountEntities returns how many users, applications and APIs tenant
// has. Admins only.
func (s *Service) CountEntities(ctx context.Context, p Principal, tenant string) (domain.TenantCounts, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return domain.TenantCounts{}, err
	}
	return s.store.CountEntities(ctx, tenant)
}

// RefusalCounts returns refused requests in [since, until), whole UTC
// hours, per action and reason, the most frequent first. Admins only.
func (s *Service) RefusalCounts(ctx context.Context, p Principal, tenant string, since, until time.Time) ([]domain.RefusalCount, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, err
	}
	if !since.Before(until) || until.Sub(since) > MaxStatsRange {
		return nil, domain.Invalid("since", "since must be before until, at most 366 days apart")
	}
	return s.store.RefusalCounts(ctx, tenant, since, until)
}

// ApplicationUserCounts returns a page (by client id) of the applications
// with registered users and how many each has, and the next cursor.
// Admins only.
func (s *Service) ApplicationUserCounts(ctx context.Context, p Principal, tenant string, pg domain.Page) ([]domain.AppUserCount, string, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, "", err
	}
	q := pageOf(pg)
	counts, err := s.store.ApplicationUserCounts(ctx, tenant, q)
	if err != nil {
		return nil, "", err
	}
	counts, next := trimPage(counts, q, func(c *domain.AppUserCount) string { return c.ClientID })
	return counts, next, nil
}

// APITokenUsageWindows are the periods API-token use is reported for.
var APITokenUsageWindows = []time.Duration{24 * time.Hour, 7 * 24 * time.Hour, 30 * 24 * time.Hour}

// APITokenUsage summarises the tenant's personal API tokens now: how many
// exist, have expired, were never used, and were used within each of
// APITokenUsageWindows. Admins only.
func (s *Service) APITokenUsage(ctx context.Context, p Principal, tenant string) (domain.APITokenUsage, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return domain.APITokenUsage{}, err
	}
	now := s.Now()
	since := make([]time.Time, len(APITokenUsageWindows))
	for i, w := range APITokenUsageWindows {
		since[i] = now.Add(-w)
	}
	return s.store.APITokenUsage(ctx, tenant, now, since...)
}

// SigningKeys returns the tenant's published signing keys, the active
// ones and those retired but still published, without their private
// halves. Admins only.
func (s *Service) SigningKeys(ctx context.Context, p Principal, tenant string) ([]domain.SigningKey, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, err
	}
	keys, err := s.store.ListSigningKeys(ctx, tenant, s.Now())
	if err != nil {
		return nil, err
	}
	for i := range keys {
		keys[i].PrivateKey = nil
	}
	return keys, nil
}
