// Package broker obtains tokens from upstream OAuth providers (Azure AD
// for Power BI, typically) on behalf of a tenant, caches them and hands
// them to the tenant's signed-in users and scoped clients: the
// embedded-analytics "GetAccessToken" backend (DESIGN §2 "Token broker").
// It owns the provider cache, the token cache (node memory, then the
// database, so N nodes make one upstream call per refresh), the
// single-flight refresh and its backoff, and who may receive a token.
// The HTTP layer (httpapi/brokerapi) only speaks HTTP.
package broker

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"golang.org/x/sync/singleflight"

	"github.com/tollgate-dev/tollgate/internal/audit"
	"github.com/tollgate-dev/tollgate/internal/cache"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/gateway/upstream"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// Store is the part of store.Store the broker needs.
type Store interface {
	GetBrokerProvider(ctx context.Context, tenant, id string) (*domain.BrokerProvider, error)
	GetDefaultBrokerProvider(ctx context.Context, tenant string) (*domain.BrokerProvider, error)
	GetBrokerToken(ctx context.Context, tenant, provider string) (*domain.BrokerToken, error)
	ClaimBrokerRefresh(ctx context.Context, tenant, provider string, until, now time.Time) (bool, error)
	PutBrokerToken(ctx context.Context, t *domain.BrokerToken) error
}

var _ Store = store.Store(nil)

// Clock tells the time; tests pass their own to reach a token's expiry.
type Clock func() time.Time

// UpstreamTimeout bounds a token request to a provider (the 10 s):
// past it the caller gets 504.
const UpstreamTimeout = 10 * time.Second

// Config is what a Broker needs.
type Config struct {
	Store Store
	// Sealer opens providers' secrets and seals the cached tokens.
	Sealer *secret.Sealer
	// Policy decides which addresses a provider's token URL may reach:
	// every request goes through its ProviderClient, for the provider's
	// ByOperator. nil: upstream.Strict().
	Policy *upstream.Policy
	Events audit.Sink            // nil: hand-outs are not audited
	Reg    prometheus.Registerer // nil: metrics are not registered
	Logger *slog.Logger          // nil: slog.Default()
	Clock  Clock                 // nil: time.Now
	// Timeout of an upstream request; 0: UpstreamTimeout.
	Timeout time.Duration
}

// Broker hands out upstream tokens. It is safe for concurrent use.
type Broker struct {
	st      Store
	sealer  *secret.Sealer
	events  audit.Sink
	log     *slog.Logger
	now     Clock
	timeout time.Duration
	clients [2]*http.Client // by ByOperator: [0] tenant admin's, [1] operator's
	metrics *metrics

	providers *cache.TTL[key, *domain.BrokerProvider] // id "": the tenant's default
	states    sync.Map                                // key → *state
	flight    singleflight.Group                      // token refreshes, by provider
	loads     singleflight.Group                      // provider reads, by provider
}

// key names a provider of a tenant.
type key struct{ tenant, id string }

// providerTTL bounds how long a node serves a provider without reading it
// again; the change feed drops a changed one at once, so this only
// matters for a lost change.
const providerTTL = time.Minute

// New returns a Broker.
func New(c Config) *Broker {
	if c.Policy == nil {
		c.Policy = upstream.Strict()
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Clock == nil {
		c.Clock = time.Now
	}
	if c.Timeout <= 0 {
		c.Timeout = UpstreamTimeout
	}
	b := &Broker{st: c.Store, sealer: c.Sealer, events: c.Events, log: c.Logger, now: c.Clock, timeout: c.Timeout,
		metrics: newMetrics(c.Reg), providers: cache.New[key, *domain.BrokerProvider](providerTTL, 10000)}
	b.clients[0] = c.Policy.ProviderClient(false, c.Timeout)
	b.clients[1] = c.Policy.ProviderClient(true, c.Timeout)
	return b
}

// client is the HTTP client for every request to p.
func (b *Broker) client(p *domain.BrokerProvider) *http.Client {
	if p.ByOperator {
		return b.clients[1]
	}
	return b.clients[0]
}

// Provider returns tenant's provider id, or with id "" the tenant's
// default provider; ErrUnknownProvider when there is none.
func (b *Broker) Provider(ctx context.Context, tenant, id string) (*domain.BrokerProvider, error) {
	k := key{tenant, id}
	if p, ok := b.providers.Get(k); ok {
		return p, nil
	}
	// One read per provider however many callers a cold node has: a
	// thousand at once would otherwise each wait for a connection, past
	// the database's deadline. Not bound to one caller's cancellation.
	v, err, _ := b.loads.Do(tenant+"\x00"+id, func() (any, error) {
		version := b.providers.Version()
		ctx := context.WithoutCancel(ctx)
		var p *domain.BrokerProvider
		var err error
		if id == "" {
			p, err = b.st.GetDefaultBrokerProvider(ctx, tenant)
		} else {
			p, err = b.st.GetBrokerProvider(ctx, tenant, id)
		}
		if err == nil {
			b.providers.PutIfUnchanged(k, p, version)
		}
		return p, err
	})
	if errors.Is(err, domain.ErrNotFound) {
		return nil, ErrUnknownProvider
	}
	if err != nil {
		return nil, err
	}
	return v.(*domain.BrokerProvider), nil
}

// Changed drops what this node holds of a changed provider: a
// feed.Handler. A change of one provider may move the tenant's default,
// so the default's entry goes too. Cached tokens need no drop: one
// obtained under other settings no longer matches the provider's
// UpdatedAt and is not served.
func (b *Broker) Changed(_ context.Context, c domain.Change) error {
	switch {
	case c.Everything(), c.Entity == domain.EntityTenant:
		b.providers.Clear()
	case c.Entity == domain.EntityBrokerProvider:
		b.providers.Delete(key{c.Tenant, c.ID})
		b.providers.Delete(key{c.Tenant, ""})
	}
	return nil
}
