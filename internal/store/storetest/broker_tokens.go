package storetest

import (
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

func putBrokerToken(t *testing.T, s store.Store, tenant, provider, sealed string, expires time.Time) {
	t.Helper()
	ok(t, s.PutBrokerToken(ctx(t), &domain.BrokerToken{Tenant: tenant, Provider: provider, Sealed: []byte(sealed),
		ExpiresAt: expires, Resource: "https://analysis.example.com/api", ObtainedAt: base,
		ProviderUpdatedAt: base.Add(-time.Hour)}))
}

// testBrokerTokens pins the tokens the nodes share: the upsert, the
// refresh lease (one holder among concurrent claimers, free again once it
// expires or a token is put), and their end with the provider or tenant.
func testBrokerTokens(t *testing.T, s store.Store) {
	c := ctx(t)
	signinUsers(t, s)
	ok(t, s.CreateBrokerProvider(c, "acme", sampleBroker("powerbi")))
	ok(t, s.CreateBrokerProvider(c, "other", sampleBroker("powerbi")))
	_, err := s.GetBrokerToken(c, "acme", "powerbi")
	isErr(t, err, domain.ErrNotFound)

	t.Run("one of many concurrent claimers gets the lease", func(t *testing.T) {
		const claimers = 16
		var wg sync.WaitGroup
		won := make(chan bool, claimers)
		for range claimers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				got, err := s.ClaimBrokerRefresh(c, "acme", "powerbi", base.Add(time.Minute), base)
				if err != nil {
					t.Error(err)
				}
				won <- got
			}()
		}
		wg.Wait()
		close(won)
		n := 0
		for w := range won {
			if w {
				n++
			}
		}
		eq(t, "claimers that got the lease", n, 1)
		// A lease alone is no token.
		_, err := s.GetBrokerToken(c, "acme", "powerbi")
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("the lease holds until it expires", func(t *testing.T) {
		got, err := s.ClaimBrokerRefresh(c, "acme", "powerbi", base.Add(2*time.Minute), base.Add(59*time.Second))
		ok(t, err)
		eq(t, "claim before expiry", got, false)
		got, err = s.ClaimBrokerRefresh(c, "acme", "powerbi", base.Add(2*time.Minute), base.Add(time.Minute))
		ok(t, err)
		eq(t, "claim at expiry", got, true)
		got, err = s.ClaimBrokerRefresh(c, "acme", "powerbi", base.Add(3*time.Minute), base.Add(time.Minute))
		ok(t, err)
		eq(t, "claim of the new lease", got, false)
		// Another tenant's provider of the same id has its own lease.
		got, err = s.ClaimBrokerRefresh(c, "other", "powerbi", base.Add(time.Minute), base)
		ok(t, err)
		eq(t, "claim in other", got, true)
	})
	t.Run("put stores the token and releases the lease", func(t *testing.T) {
		putBrokerToken(t, s, "acme", "powerbi", "sealed-1", base.Add(time.Hour))
		got, err := s.GetBrokerToken(c, "acme", "powerbi")
		ok(t, err)
		eq(t, "Tenant", got.Tenant, "acme")
		eq(t, "Provider", got.Provider, "powerbi")
		eq(t, "Sealed", string(got.Sealed), "sealed-1")
		eqTime(t, "ExpiresAt", got.ExpiresAt, base.Add(time.Hour))
		eq(t, "Resource", got.Resource, "https://analysis.example.com/api")
		eqTime(t, "ObtainedAt", got.ObtainedAt, base)
		eqTime(t, "ProviderUpdatedAt", got.ProviderUpdatedAt, base.Add(-time.Hour))
		claimed, err := s.ClaimBrokerRefresh(c, "acme", "powerbi", base.Add(2*time.Minute), base)
		ok(t, err)
		eq(t, "claim after put", claimed, true)
		putBrokerToken(t, s, "acme", "powerbi", "sealed-2", base.Add(2*time.Hour))
		got, err = s.GetBrokerToken(c, "acme", "powerbi")
		ok(t, err)
		eq(t, "Sealed after second put", string(got.Sealed), "sealed-2")
		eqTime(t, "ExpiresAt after second put", got.ExpiresAt, base.Add(2*time.Hour))
		other, err := s.GetBrokerToken(c, "other", "powerbi")
		if err == nil {
			t.Fatalf("other's token = %q, want none", other.Sealed)
		}
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("unknown provider", func(t *testing.T) {
		_, err := s.ClaimBrokerRefresh(c, "acme", "ghost", base.Add(time.Minute), base)
		isErr(t, err, domain.ErrNotFound)
		isErr(t, s.PutBrokerToken(c, &domain.BrokerToken{Tenant: "acme", Provider: "ghost", Sealed: []byte("x"),
			ExpiresAt: base, ObtainedAt: base, ProviderUpdatedAt: base}), domain.ErrNotFound)
	})
	t.Run("deleting the tenant deletes its providers and tokens", func(t *testing.T) {
		ok(t, s.DeleteTenant(c, "acme"))
		newTenant(t, s, "acme")
		l, err := s.ListBrokerProviders(c, "acme", domain.Page{})
		ok(t, err)
		eq(t, "providers of the new acme", len(l), 0)
		_, err = s.GetBrokerToken(c, "acme", "powerbi")
		isErr(t, err, domain.ErrNotFound)
		_, err = s.GetBrokerToken(c, "other", "powerbi")
		isErr(t, err, domain.ErrNotFound) // other never had one, still none
		_, err = s.GetBrokerProvider(c, "other", "powerbi")
		ok(t, err)
	})
}
