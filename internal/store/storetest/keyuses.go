package storetest

import (
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// testSigningKeyUses pins the two uses of signing keys: a tenant's
// access-token key and its RS256 ID-token key (OIDC Core §15.1) are both
// listed, and each rotates without retiring the other, in its own tenant
// only.
func testSigningKeyUses(t *testing.T, s store.Store) {
	c := ctx(t)
	newTenant(t, s, "acme")
	newTenant(t, s, "beta")
	idKey := func(id string, created time.Time) *domain.SigningKey {
		k := sampleKey(id, created)
		k.Algorithm, k.Use = "RS256", domain.KeyUseIDToken
		return k
	}
	// active lists the tenant's active keys as id/use, newest first.
	active := func(tenant string, now time.Time) []string {
		t.Helper()
		ks, err := s.ListSigningKeys(c, tenant, now)
		ok(t, err)
		var out []string
		for _, k := range ks {
			if k.RetiredAt == nil {
				out = append(out, k.ID+"/"+k.Use)
			}
		}
		return out
	}

	t.Run("both uses listed with their use", func(t *testing.T) {
		ok(t, s.CreateSigningKey(c, "acme", sampleKey("at1", base)))
		ok(t, s.CreateSigningKey(c, "acme", idKey("id1", base.Add(time.Minute))))
		ks, err := s.ListSigningKeys(c, "acme", base.Add(time.Minute))
		ok(t, err)
		eqList(t, "keys", ids(ks, func(k domain.SigningKey) string { return k.ID }), []string{"id1", "at1"})
		eq(t, "id1 use", ks[0].Use, domain.KeyUseIDToken)
		eq(t, "id1 alg", ks[0].Algorithm, "RS256")
		eq(t, "at1 use", ks[1].Use, domain.KeyUseTokens)
	})
	t.Run("rotating the access-token key keeps the ID-token key", func(t *testing.T) {
		ok(t, s.RotateSigningKey(c, "acme", sampleKey("at2", base.Add(2*time.Minute)), base.Add(time.Hour)))
		eqList(t, "active", active("acme", base.Add(2*time.Minute)), []string{"at2/", "id1/id_token"})
		eqList(t, "published", keyIDs(t, s, "acme", base.Add(2*time.Minute)), []string{"at2", "id1", "at1"})
	})
	t.Run("rotating the ID-token key keeps the access-token key", func(t *testing.T) {
		ok(t, s.RotateSigningKey(c, "acme", idKey("id2", base.Add(3*time.Minute)), base.Add(2*time.Hour)))
		eqList(t, "active", active("acme", base.Add(3*time.Minute)), []string{"id2/id_token", "at2/"})
		eqList(t, "published", keyIDs(t, s, "acme", base.Add(3*time.Minute)), []string{"id2", "at2", "id1", "at1"})
		// Each retired key keeps its own window and its use.
		eqList(t, "at1 window over", keyIDs(t, s, "acme", base.Add(time.Hour)), []string{"id2", "at2", "id1"})
		ks, err := s.ListSigningKeys(c, "acme", base.Add(time.Hour))
		ok(t, err)
		eq(t, "retired id1 use", ks[2].Use, domain.KeyUseIDToken)
		eqList(t, "both windows over", keyIDs(t, s, "acme", base.Add(2*time.Hour)), []string{"id2", "at2"})
	})
	t.Run("tenant isolation", func(t *testing.T) {
		ok(t, s.CreateSigningKey(c, "beta", sampleKey("bt1", base)))
		ok(t, s.RotateSigningKey(c, "beta", idKey("bid1", base.Add(4*time.Minute)), base.Add(time.Hour)))
		ok(t, s.RotateSigningKey(c, "beta", sampleKey("bt2", base.Add(5*time.Minute)), base.Add(time.Hour)))
		eqList(t, "beta active", active("beta", base.Add(5*time.Minute)), []string{"bt2/", "bid1/id_token"})
		eqList(t, "acme active", active("acme", base.Add(5*time.Minute)), []string{"id2/id_token", "at2/"})
	})
}
