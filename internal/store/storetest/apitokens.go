package storetest

import (
	"encoding/hex"
	"fmt"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

func sampleAPIToken(user, id string) *domain.APIToken {
	exp := base.Add(24 * time.Hour)
	return &domain.APIToken{UserID: user, ID: id, Hash: hash("tgp-" + user + "-" + id),
		Description: "token " + id, Scopes: []string{"orders:read"}, ExpiresAt: &exp, CreatedAt: base}
}

// testAPITokens pins API-token CRUD, the revocation a delete records,
// batched last-used updates, tenant isolation and the cascade from users.
func testAPITokens(t *testing.T, s store.Store) {
	c := ctx(t)
	for _, tenant := range []string{"a", "b"} {
		newTenant(t, s, tenant)
		defineSamples(t, s, tenant)
		ok(t, s.CreateUser(c, tenant, sampleUser("john")))
		ok(t, s.CreateUser(c, tenant, sampleUser("jane")))
	}

	t.Run("create then get", func(t *testing.T) {
		in := sampleAPIToken("john", "ci")
		ok(t, s.CreateAPIToken(c, "a", in))
		eq(t, "tenant set", in.Tenant, "a")
		got, err := s.GetAPIToken(c, "a", "john", "ci")
		ok(t, err)
		eq(t, "user", got.UserID, "john")
		eq(t, "hash", hex.EncodeToString(got.Hash), hex.EncodeToString(in.Hash))
		eq(t, "description", got.Description, "token ci")
		eqList(t, "scopes", got.Scopes, []string{"orders:read"})
		eqTime(t, "created", got.CreatedAt, base)
		if got.ExpiresAt == nil || !got.ExpiresAt.Equal(base.Add(24*time.Hour)) {
			t.Fatalf("expires = %v", got.ExpiresAt)
		}
		if got.LastUsedAt != nil {
			t.Fatalf("last used = %v, want never", got.LastUsedAt)
		}
		byHash, err := s.GetAPITokenByHash(c, "a", in.Hash)
		ok(t, err)
		eq(t, "by hash", byHash.ID, "ci")
		eq(t, "by hash user", byHash.UserID, "john")
	})
	t.Run("no expiry and no scopes round-trip", func(t *testing.T) {
		in := &domain.APIToken{UserID: "john", ID: "forever", Hash: hash("forever"), CreatedAt: base}
		ok(t, s.CreateAPIToken(c, "a", in))
		got, err := s.GetAPIToken(c, "a", "john", "forever")
		ok(t, err)
		if got.ExpiresAt != nil {
			t.Fatalf("expires = %v, want nil", got.ExpiresAt)
		}
		if got.Scopes == nil || len(got.Scopes) != 0 {
			t.Fatalf("scopes = %#v, want empty non-nil", got.Scopes)
		}
	})
	t.Run("duplicate id of one user conflicts", func(t *testing.T) {
		dup := sampleAPIToken("john", "ci")
		dup.Hash = hash("other")
		isErr(t, s.CreateAPIToken(c, "a", dup), domain.ErrConflict)
	})
	t.Run("same id for another user is fine", func(t *testing.T) {
		ok(t, s.CreateAPIToken(c, "a", sampleAPIToken("jane", "ci")))
	})
	t.Run("duplicate hash conflicts", func(t *testing.T) {
		dup := sampleAPIToken("john", "other")
		dup.Hash = hash("tgp-john-ci")
		isErr(t, s.CreateAPIToken(c, "a", dup), domain.ErrConflict)
	})
	t.Run("unknown user or tenant", func(t *testing.T) {
		isErr(t, s.CreateAPIToken(c, "a", sampleAPIToken("nobody", "x")), domain.ErrNotFound)
		isErr(t, s.CreateAPIToken(c, "nope", sampleAPIToken("john", "x")), domain.ErrNotFound)
	})
	t.Run("not found", func(t *testing.T) {
		_, err := s.GetAPIToken(c, "a", "john", "missing")
		isErr(t, err, domain.ErrNotFound)
		_, err = s.GetAPIToken(c, "a", "jane", "forever")
		isErr(t, err, domain.ErrNotFound)
		_, err = s.GetAPITokenByHash(c, "a", hash("missing"))
		isErr(t, err, domain.ErrNotFound)
		_, err = s.DeleteAPIToken(c, "a", "john", "missing", base.Add(time.Hour))
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("tenant isolation", func(t *testing.T) {
		_, err := s.GetAPIToken(c, "b", "john", "ci")
		isErr(t, err, domain.ErrNotFound)
		_, err = s.GetAPITokenByHash(c, "b", hash("tgp-john-ci"))
		isErr(t, err, domain.ErrNotFound)
		l, err := s.ListAPITokens(c, "b", "john", domain.Page{})
		ok(t, err)
		eq(t, "b's tokens", len(l), 0)
		_, err = s.DeleteAPIToken(c, "b", "john", "ci", base.Add(time.Hour))
		isErr(t, err, domain.ErrNotFound)
		// Same id and hash in b is an independent record.
		ok(t, s.CreateAPIToken(c, "b", sampleAPIToken("john", "ci")))
		_, err = s.GetAPIToken(c, "a", "john", "ci")
		ok(t, err)
	})
	t.Run("paging lists one user's tokens only", func(t *testing.T) {
		testPaging(t, "p", 7, []string{"ci", "forever"}, func(id string) error {
			tok := sampleAPIToken("john", id)
			tok.Hash = hash("page-" + id)
			return s.CreateAPIToken(c, "a", tok)
		}, func(p domain.Page) ([]string, error) {
			l, err := s.ListAPITokens(c, "a", "john", p)
			return ids(l, func(x domain.APIToken) string { return x.ID }), err
		})
	})
	t.Run("last used moves forward only", func(t *testing.T) {
		t1, t2 := base.Add(time.Minute), base.Add(2*time.Minute)
		ok(t, s.RecordAPITokenUses(c, []domain.APITokenUse{
			{Tenant: "a", UserID: "john", ID: "ci", At: t2},
			{Tenant: "a", UserID: "jane", ID: "ci", At: t1},
			{Tenant: "a", UserID: "john", ID: "deleted-meanwhile", At: t1},
		}))
		ok(t, s.RecordAPITokenUses(c, []domain.APITokenUse{{Tenant: "a", UserID: "john", ID: "ci", At: t1}}))
		ok(t, s.RecordAPITokenUses(c, nil))
		for _, w := range []struct {
			user string
			want time.Time
		}{{"john", t2}, {"jane", t1}} {
			got, err := s.GetAPIToken(c, "a", w.user, "ci")
			ok(t, err)
			if got.LastUsedAt == nil || !got.LastUsedAt.Equal(w.want) {
				t.Fatalf("%s last used = %v, want %v", w.user, got.LastUsedAt, w.want)
			}
		}
		got, err := s.GetAPIToken(c, "b", "john", "ci")
		ok(t, err)
		if got.LastUsedAt != nil {
			t.Fatalf("b's token touched: %v", got.LastUsedAt)
		}
	})
	t.Run("delete records a revocation", func(t *testing.T) {
		before, err := s.RevocationsSince(c, 0, 0)
		ok(t, err)
		rev, err := s.DeleteAPIToken(c, "a", "john", "ci", base.Add(48*time.Hour))
		ok(t, err)
		eq(t, "kind", rev.Kind, domain.RevokeAPIToken)
		eq(t, "value", rev.Value, hex.EncodeToString(hash("tgp-john-ci")))
		eq(t, "tenant", rev.Tenant, "a")
		// Capped at the token's own expiry: it fails after that anyway.
		eqTime(t, "until", rev.ExpiresAt, base.Add(24*time.Hour))
		after, err := s.RevocationsSince(c, 0, 0)
		ok(t, err)
		eq(t, "revocations added", len(after), len(before)+1)
		eq(t, "stored seq", after[len(after)-1].Seq, rev.Seq)
		_, err = s.GetAPIToken(c, "a", "john", "ci")
		isErr(t, err, domain.ErrNotFound)
		_, err = s.GetAPITokenByHash(c, "a", hash("tgp-john-ci"))
		isErr(t, err, domain.ErrNotFound)
		_, err = s.DeleteAPIToken(c, "a", "john", "ci", base.Add(time.Hour))
		isErr(t, err, domain.ErrNotFound)
		_, err = s.GetAPIToken(c, "a", "jane", "ci")
		ok(t, err)
		_, err = s.GetAPIToken(c, "b", "john", "ci")
		ok(t, err)
	})
	t.Run("deleting the user deletes their tokens", func(t *testing.T) {
		ok(t, s.DeleteUser(c, "a", "john"))
		l, err := s.ListAPITokens(c, "a", "john", domain.Page{})
		ok(t, err)
		eq(t, "john's tokens", len(l), 0)
		_, err = s.GetAPITokenByHash(c, "a", hash("forever"))
		isErr(t, err, domain.ErrNotFound)
		// A new user of that name starts without tokens, and the ids are free.
		ok(t, s.CreateUser(c, "a", sampleUser("john")))
		ok(t, s.CreateAPIToken(c, "a", sampleAPIToken("john", "forever")))
		_, err = s.GetAPIToken(c, "a", "jane", "ci")
		ok(t, err)
	})
	t.Run("deleting the tenant deletes its tokens", func(t *testing.T) {
		ok(t, s.DeleteTenant(c, "b"))
		newTenant(t, s, "b")
		defineSamples(t, s, "b")
		ok(t, s.CreateUser(c, "b", sampleUser("john")))
		_, err := s.GetAPIToken(c, "b", "john", "ci")
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("many tokens by hash", func(t *testing.T) {
		for i := range 20 {
			tok := sampleAPIToken("jane", fmt.Sprintf("bulk.%02d", i))
			tok.Hash = hash(tok.ID)
			ok(t, s.CreateAPIToken(c, "a", tok))
		}
		got, err := s.GetAPITokenByHash(c, "a", hash("bulk.13"))
		ok(t, err)
		eq(t, "id", got.ID, "bulk.13")
	})
}
