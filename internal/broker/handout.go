package broker

import (
	"context"
	"errors"
	"slices"

	"github.com/tollgate-dev/tollgate/internal/audit"
	"github.com/tollgate-dev/tollgate/internal/authn"
	"github.com/tollgate-dev/tollgate/internal/domain"
)

// ErrForbidden: the caller is authenticated but may not have the
// provider's token.
var ErrForbidden = errors.New("broker: caller may not receive this provider's token")

// bootstrapActor names the bootstrap principal in audit events, as the
// admin use cases do.
const bootstrapActor = "(bootstrap)"

// HandOut gives caller provider p's token (from Provider) if caller may
// have it, and audits the hand-out.
func (b *Broker) HandOut(ctx context.Context, p *domain.BrokerProvider, caller *authn.Principal) (Token, error) {
	if !mayReceive(caller, p.Tenant, p) {
		b.record(ctx, p, caller, domain.OutcomeFailure, "forbidden")
		return Token{}, ErrForbidden
	}
	t, err := b.token(ctx, p)
	if err != nil {
		b.record(ctx, p, caller, domain.OutcomeFailure, codeOf(err))
		return Token{}, err
	}
	b.record(ctx, p, caller, domain.OutcomeSuccess, "")
	return t, nil
}

// mayReceive: the bootstrap token may have every token (so an operator
// can test a provider); a session of the tenant if its user holds one of
// the provider's roles; any other credential of the tenant if it carries
// the provider's scope.
func mayReceive(c *authn.Principal, tenant string, p *domain.BrokerProvider) bool {
	switch {
	case c.Kind == authn.KindBootstrap:
		return true
	case c.Tenant != tenant:
		return false
	case c.Kind == authn.KindSession:
		return slices.ContainsFunc(c.Roles, func(r string) bool { return slices.Contains(p.AllowedRoles, r) })
	default:
		return slices.Contains(c.Scopes, domain.BrokerScope(p.ID))
	}
}

// record audits a hand-out: who received (or was refused) which
// provider's token.
func (b *Broker) record(ctx context.Context, p *domain.BrokerProvider, c *authn.Principal, outcome, reason string) {
	if b.events == nil {
		return
	}
	o := audit.OriginFrom(ctx)
	ev := audit.Event{Time: b.now(), Tenant: p.Tenant, Action: domain.ActionBrokerToken, Outcome: outcome,
		Reason: reason, ClientID: c.Client, UserID: c.Subject, Target: p.ID, RemoteAddr: o.RemoteAddr, RequestID: o.RequestID}
	switch {
	case c.Kind == authn.KindBootstrap:
		ev.UserID = bootstrapActor
	case c.Subject == c.Client:
		ev.UserID = "" // a client's own token (client credentials): no user
	}
	b.events.Record(ev)
}
