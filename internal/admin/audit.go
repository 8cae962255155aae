package admin

import (
	"context"
	"time"

	"github.com/tollgate-dev/tollgate/internal/audit"
	"github.com/tollgate-dev/tollgate/internal/domain"
)

// bootstrapActor names the bootstrap principal in audit events.
const bootstrapActor = "(bootstrap)"

// changed brings this node's caches up to date after a successful change
// made by p (Feed), records it, and passes err through,
// so a use case can end with `return s.changed(…, s.store.X(…))`. Failed
// attempts change nothing and are not recorded.
func (s *Service) changed(ctx context.Context, p Principal, tenant, action, target string, err error) error {
	if err != nil {
		return err
	}
	o := audit.OriginFrom(ctx)
	actor := p.Subject
	if p.Bootstrap {
		actor = bootstrapActor
	}
	ev := audit.Event{
		Time: s.Now(), Tenant: tenant, Action: action, Outcome: domain.OutcomeSuccess,
		UserID: actor, Target: target, RemoteAddr: o.RemoteAddr, RequestID: o.RequestID,
	}
	if d, ok := ctx.Value(pendingKey{}).(*pending); ok {
		d.events = append(d.events, ev) // once, and only if, Atomic commits
		return nil
	}
	if s.feed != nil {
		// In effect here before the answer. A failure is not the
		// caller's: the write stands, and the follower retries.
		_ = s.feed.CatchUp(ctx)
	}
	if s.events != nil {
		s.events.Record(ev)
	}
	return nil
}

// pending is what the use cases run under Atomic leave for its commit:
// their audit events, and catching this node's caches up, which before
// the commit would read changes that may yet roll back.
type pending struct{ events []audit.Event }

type pendingKey struct{}

// Atomic runs fn so that the writes of every use case called with its
// context commit together or not at all (store.Store.Atomic): the
// configuration-as-code apply. Their audit events are recorded, and this
// node's caches caught up, once it committed.
func (s *Service) Atomic(ctx context.Context, fn func(ctx context.Context) error) error {
	d := &pending{}
	if err := s.store.Atomic(context.WithValue(ctx, pendingKey{}, d), fn); err != nil {
		return err
	}
	if s.feed != nil && len(d.events) > 0 {
		_ = s.feed.CatchUp(ctx)
	}
	if s.events != nil {
		for _, ev := range d.events {
			s.events.Record(ev)
		}
	}
	return nil
}

// ListAudit returns a page of tenant's audit events, newest first, and the
// cursor of the next page (nil on the last). Admins only.
func (s *Service) ListAudit(ctx context.Context, p Principal, tenant string, f domain.AuditFilter) ([]domain.AuditEvent, *domain.AuditCursor, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, nil, err
	}
	if f.Limit <= 0 {
		f.Limit = DefaultPageSize
	}
	f.Limit = min(f.Limit, MaxPageSize)
	want := f.Limit
	f.Limit++ // one more tells whether a next page exists
	evs, err := s.store.ListAudit(ctx, tenant, f)
	if err != nil || len(evs) <= want {
		return evs, nil, err
	}
	evs = evs[:want]
	last := evs[want-1]
	return evs, &domain.AuditCursor{Time: last.Time, ID: last.ID}, nil
}

// MaxStatsRange bounds a statistics query, so hourly buckets stay a few
// thousand rows per series.
const MaxStatsRange = 366 * 24 * time.Hour

// TokenCounts returns issued tokens per bucket (an hour or a day), grant
// and application in [since, until). Admins only.
func (s *Service) TokenCounts(ctx context.Context, p Principal, tenant string, since, until time.Time, bucket time.Duration) ([]domain.TokenCount, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, err
	}
	if !since.Before(until) || until.Sub(since) > MaxStatsRange {
		return nil, domain.Invalid("since", "since must be before until, at most 366 days apart")
	}
	return s.store.TokenCounts(ctx, tenant, since, until, bucket)
}

// ApplicationUsers returns a page of the users registered with
// application clientID (who obtained tokens through it with a user
// grant), their total and the next cursor. Admins only.
func (s *Service) ApplicationUsers(ctx context.Context, p Principal, tenant, clientID string, pg domain.Page) ([]domain.AppUser, int64, string, error) {
	if err := s.adminOf(ctx, p, tenant); err != nil {
		return nil, 0, "", err
	}
	if _, err := s.store.GetApplication(ctx, tenant, clientID); err != nil {
		return nil, 0, "", err
	}
	q := pageOf(pg)
	users, total, err := s.store.ApplicationUsers(ctx, tenant, clientID, q)
	if err != nil {
		return nil, 0, "", err
	}
	users, next := trimPage(users, q, func(u *domain.AppUser) string { return u.UserID })
	return users, total, next, nil
}
