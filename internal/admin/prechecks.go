package admin

import (
	"context"
	"fmt"
	"sync"
)

// Some use cases check addresses over the network: a DNS lookup for an
// upstream or a provider's host, OpenID Connect discovery of an issuer.
// Under Atomic (a configuration file's apply) those would run inside the
// write transaction, holding SQLite's one writer, or PostgreSQL's change
// lock, for as long as a slow host takes. So the apply runs them first,
// outside it (Precheck*), in a context that records each outcome, and
// the use cases in the transaction reuse the outcome instead of asking
// the network again.

type prechecks struct {
	mu   sync.Mutex
	done map[string]error
}

type prechecksKey struct{}

// WithPrechecks returns ctx recording the outcome of network checks.
func WithPrechecks(ctx context.Context) context.Context {
	return context.WithValue(ctx, prechecksKey{}, &prechecks{done: map[string]error{}})
}

// checkOnce runs check unless ctx recorded its outcome already, and
// records it; without a record in ctx, it just runs check.
func checkOnce(ctx context.Context, key string, check func() error) error {
	pc, ok := ctx.Value(prechecksKey{}).(*prechecks)
	if !ok {
		return check()
	}
	pc.mu.Lock()
	err, done := pc.done[key]
	pc.mu.Unlock()
	if done {
		return err
	}
	err = check()
	pc.mu.Lock()
	pc.done[key] = err
	pc.mu.Unlock()
	return err
}

// PrecheckUpstream, PrecheckIssuer and PrecheckProviderAddress run, as a
// tenant admin's writes would, the network checks of an API upstream, an
// identity provider's issuer and a provider's address, recording the
// outcome in ctx (WithPrechecks). Their errors are reported again, from
// the record, by the write that needs the check.
func (s *Service) PrecheckUpstream(ctx context.Context, raw string) {
	_ = s.upstreamAllowed(ctx, Principal{}, raw)
}

func (s *Service) PrecheckIssuer(ctx context.Context, issuer string) {
	_ = s.discoverIssuer(ctx, issuer, false)
}

func (s *Service) PrecheckProviderAddress(ctx context.Context, field, raw string) {
	_ = s.checkProviderAddress(ctx, field, raw, false)
}

func checkKey(kind string, byOperator bool, parts ...any) string {
	return fmt.Sprint(kind, byOperator, parts)
}
