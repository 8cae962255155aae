package admin

import (
	"context"

	"github.com/tollgate-dev/tollgate/internal/audit"
	"github.com/tollgate-dev/tollgate/internal/domain"
)

// bootstrapActor names the bootstrap principal in audit events.
const bootstrapActor = "(bootstrap)"

// changed records a successful change made by p and passes err through,
// so a use case can end with `return s.changed(…, s.store.X(…))`. Failed
// attempts change nothing and are not recorded.
func (s *Service) changed(ctx context.Context, p Principal, tenant, action, target string, err error) error {
	if err != nil || s.Events == nil {
		return err
	}
	o := audit.OriginFrom(ctx)
	actor := p.Subject
	if p.Bootstrap {
		actor = bootstrapActor
	}
	s.Events.Record(audit.Event{
		Time: s.now(), Tenant: tenant, Action: action, Outcome: domain.OutcomeSuccess,
		UserID: actor, Target: target, RemoteAddr: o.RemoteAddr, RequestID: o.RequestID,
	})
	return nil
}
