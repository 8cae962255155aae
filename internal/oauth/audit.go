package oauth

import (
	"context"
	"time"

	"github.com/tollgate-dev/tollgate/internal/audit"
	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Token handles a token request for tenant (see token) and records its
// outcome: every issuance and every refusal, with the OAuth error code as
// the reason.
func (s *Server) Token(ctx context.Context, tenant string, req *Request) (*TokenResponse, error) {
	ev := s.event(ctx, domain.ActionToken, req)
	resp, err := s.token(ctx, tenant, req, &ev)
	if s.events != nil {
		if _, known := s.grants[ev.Grant]; !known {
			ev.Grant = "" // whatever an unsupported grant_type said stays out of the record
		}
		s.record(ctx, tenant, &ev, err)
	}
	return resp, err
}

// Introspect answers an introspection request (see introspect). Only
// refusals are recorded: answers are not changes, and introspection is the
// busiest endpoint.
func (s *Server) Introspect(ctx context.Context, tenant string, req *Request) (*Introspection, error) {
	var resp *Introspection
	t, err := s.resolveTenant(ctx, tenant, req.Client.ID)
	if err == nil {
		tenant = t
		resp, err = s.introspect(ctx, tenant, req)
	}
	if err != nil && s.events != nil {
		ev := s.event(ctx, domain.ActionIntrospect, req)
		s.record(ctx, tenant, &ev, err)
	}
	return resp, err
}

// Revoke handles a revocation request (see revoke) and records it.
func (s *Server) Revoke(ctx context.Context, tenant string, req *Request) error {
	t, err := s.resolveTenant(ctx, tenant, req.Client.ID)
	if err == nil {
		tenant = t
		err = s.revoke(ctx, tenant, req)
	}
	if s.events != nil {
		ev := s.event(ctx, domain.ActionRevoke, req)
		s.record(ctx, tenant, &ev, err)
	}
	return err
}

// event starts an event with what the request itself says.
func (s *Server) event(ctx context.Context, action string, req *Request) audit.Event {
	o := audit.OriginFrom(ctx)
	if req != nil && req.RemoteAddr != "" {
		o.RemoteAddr = req.RemoteAddr
	}
	ev := audit.Event{Time: s.now(), Action: action, RequestID: o.RequestID, RemoteAddr: o.RemoteAddr}
	if req != nil {
		ev.ClientID = req.Client.ID
	}
	return ev
}

// record sends ev with the outcome of err. Events are kept only for
// tenants that exist: a refusal for a made-up tenant would let anyone
// write records (and metric series) under any name.
func (s *Server) record(ctx context.Context, tenant string, ev *audit.Event, err error) {
	if ev.Tenant == "" {
		if exists, terr := s.tenantExists(ctx, tenant); terr != nil || !exists {
			return
		}
		ev.Tenant = tenant
	}
	ev.Outcome = domain.OutcomeSuccess
	if err != nil {
		e := AsError(err)
		ev.Outcome, ev.Reason = domain.OutcomeFailure, e.Code
		if e.Reason != "" {
			ev.Reason = e.Reason
		}
	}
	if ev.Time.IsZero() {
		ev.Time = time.Now()
	}
	if mustNotLose(ev) {
		s.events.RecordDurable(ctx, *ev)
		return
	}
	s.events.Record(*ev)
}

// mustNotLose reports the events stored before the answer: every token
// issued to a user or on a user's behalf (password, refresh, embed,
// authorization code …), so that a crash cannot hand out a token no record
// shows. client_credentials, the busiest grant, and refusals stay batched;
// a kill -9 can lose the last batch of those (docs/RELIABILITY.md).
func mustNotLose(ev *audit.Event) bool {
	return ev.Action == domain.ActionToken && ev.Outcome == domain.OutcomeSuccess && ev.Grant != domain.GrantClientCredentials
}
