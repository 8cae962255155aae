package storetest

import (
	"encoding/hex"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

func sampleGatewayCredential(id string) *domain.GatewayCredential {
	return &domain.GatewayCredential{ID: id, Hash: hash("tgg-" + id), Description: "gateway " + id, CreatedAt: base}
}

// testGatewayCredentials pins gateway-credential CRUD and the revocation
// a delete records. Credentials span tenants; their revocations are filed
// under the default tenant.
func testGatewayCredentials(t *testing.T, s store.Store) {
	c := ctx(t)
	newTenant(t, s, domain.DefaultTenant)

	t.Run("create then get", func(t *testing.T) {
		in := sampleGatewayCredential("edge-1")
		ok(t, s.CreateGatewayCredential(c, in))
		got, err := s.GetGatewayCredential(c, "edge-1")
		ok(t, err)
		eq(t, "hash", hex.EncodeToString(got.Hash), hex.EncodeToString(in.Hash))
		eq(t, "description", got.Description, "gateway edge-1")
		eqTime(t, "created", got.CreatedAt, base)
		byHash, err := s.GetGatewayCredentialByHash(c, in.Hash)
		ok(t, err)
		eq(t, "by hash", byHash.ID, "edge-1")
	})
	t.Run("duplicate id or hash conflicts", func(t *testing.T) {
		dup := sampleGatewayCredential("edge-1")
		dup.Hash = hash("other")
		isErr(t, s.CreateGatewayCredential(c, dup), domain.ErrConflict)
		dup = sampleGatewayCredential("edge-2")
		dup.Hash = hash("tgg-edge-1")
		isErr(t, s.CreateGatewayCredential(c, dup), domain.ErrConflict)
	})
	t.Run("not found", func(t *testing.T) {
		_, err := s.GetGatewayCredential(c, "missing")
		isErr(t, err, domain.ErrNotFound)
		_, err = s.GetGatewayCredentialByHash(c, hash("missing"))
		isErr(t, err, domain.ErrNotFound)
		_, err = s.DeleteGatewayCredential(c, "missing", base.Add(time.Hour))
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("paging", func(t *testing.T) {
		testPaging(t, "p", 7, []string{"edge-1"}, func(id string) error {
			return s.CreateGatewayCredential(c, sampleGatewayCredential(id))
		}, func(p domain.Page) ([]string, error) {
			l, err := s.ListGatewayCredentials(c, p)
			return ids(l, func(x domain.GatewayCredential) string { return x.ID }), err
		})
	})
	t.Run("delete records a revocation", func(t *testing.T) {
		before, err := s.RevocationsSince(c, 0, 0)
		ok(t, err)
		rev, err := s.DeleteGatewayCredential(c, "edge-1", base.Add(time.Hour))
		ok(t, err)
		eq(t, "kind", rev.Kind, domain.RevokeGatewayCredential)
		eq(t, "value", rev.Value, hex.EncodeToString(hash("tgg-edge-1")))
		eq(t, "tenant", rev.Tenant, domain.DefaultTenant)
		eqTime(t, "until", rev.ExpiresAt, base.Add(time.Hour))
		after, err := s.RevocationsSince(c, 0, 0)
		ok(t, err)
		eq(t, "revocations added", len(after), len(before)+1)
		eq(t, "stored seq", after[len(after)-1].Seq, rev.Seq)
		_, err = s.GetGatewayCredential(c, "edge-1")
		isErr(t, err, domain.ErrNotFound)
		_, err = s.GetGatewayCredentialByHash(c, hash("tgg-edge-1"))
		isErr(t, err, domain.ErrNotFound)
		_, err = s.DeleteGatewayCredential(c, "edge-1", base.Add(time.Hour))
		isErr(t, err, domain.ErrNotFound)
		// The id is free again, for a new secret.
		ok(t, s.CreateGatewayCredential(c, &domain.GatewayCredential{ID: "edge-1", Hash: hash("new"), CreatedAt: base}))
	})
}
