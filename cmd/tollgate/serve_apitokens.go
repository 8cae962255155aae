package main

import (
	"context"
	"time"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/apitoken"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// apiTokenFlushEvery is how stale a token's stored last-used time may be:
// uses are batched in memory so requests never wait for a write.
const apiTokenFlushEvery = 5 * time.Second

// wireAPITokens returns the API-token verifier that the admin API,
// introspection and the gateway share, and makes a deletion take effect
// here at once (revocation noted, cache entry dropped); other nodes follow
// the revocation set.
func (a *app) wireAPITokens(svc *admin.Service, revoked *token.Revocations) *apitoken.Verifier {
	v := apitoken.NewVerifier(a.store, revoked, apitoken.Config{})
	a.apiTokens = v
	svc.OnAPITokenDeleted = func(rev domain.Revocation) {
		revoked.Noted(rev)
		v.Forget(rev.Tenant, rev.Value)
	}
	a.jobs = append(a.jobs, job{"api-token last-use flush", func(ctx context.Context) {
		v.Run(ctx, apiTokenFlushEvery, func(err error) { a.log.Warn("api token last-use flush failed", "err", err) })
	}})
	return v
}

// flushAPITokenUses writes the last uses noted before shutdown, after the
// server stopped taking requests and before the store closes.
func (a *app) flushAPITokenUses(ctx context.Context) {
	if a.apiTokens == nil {
		return
	}
	if err := a.apiTokens.Flush(ctx); err != nil {
		a.log.Warn("api token last-use flush at shutdown failed", "err", err)
	}
}
