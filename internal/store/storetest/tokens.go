package storetest

import (
	"bytes"
	"crypto/sha256"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

func hash(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

func sampleRefresh(token, family string) *domain.RefreshToken {
	return &domain.RefreshToken{Hash: hash(token), FamilyID: family, ClientID: "app1", Subject: "john",
		Scopes: []string{"a", "b"}, Audience: []string{"https://api.example.com"},
		ExpiresAt: base.Add(time.Hour), CreatedAt: base}
}

// next is what a caller passes to RotateRefreshToken: only hash and times.
func next(token string, expires time.Time) *domain.RefreshToken {
	return &domain.RefreshToken{Hash: hash(token), ExpiresAt: expires, CreatedAt: base.Add(time.Minute)}
}

func testRefreshTokens(t *testing.T, s store.Store) {
	newTenant(t, s, "acme")
	now := base.Add(time.Minute)
	t.Run("create then get", func(t *testing.T) {
		rt := sampleRefresh("t1", "fam1")
		rt.JKT = "key-1"
		ok(t, s.CreateRefreshToken(ctx(t), "acme", rt))
		got, err := s.GetRefreshToken(ctx(t), "acme", hash("t1"), now)
		ok(t, err)
		eq(t, "family", got.FamilyID, "fam1")
		eq(t, "client", got.ClientID, "app1")
		eq(t, "subject", got.Subject, "john")
		eqList(t, "scopes", got.Scopes, []string{"a", "b"})
		eqList(t, "audience", got.Audience, []string{"https://api.example.com"})
		eqTime(t, "expires", got.ExpiresAt, base.Add(time.Hour))
		eq(t, "jkt", got.JKT, "key-1")
	})
	t.Run("duplicate hash → ErrConflict", func(t *testing.T) {
		isErr(t, s.CreateRefreshToken(ctx(t), "acme", sampleRefresh("t1", "other")), domain.ErrConflict)
	})
	t.Run("expired is not found", func(t *testing.T) {
		_, err := s.GetRefreshToken(ctx(t), "acme", hash("t1"), base.Add(time.Hour))
		isErr(t, err, domain.ErrNotFound)
		_, err = s.RotateRefreshToken(ctx(t), "acme", hash("t1"), next("x", now), base.Add(2*time.Hour))
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("rotate copies the grant into next", func(t *testing.T) {
		n := next("t2", base.Add(2*time.Hour))
		n.JKT = "key-2" // the caller's, not copied
		rot, err := s.RotateRefreshToken(ctx(t), "acme", hash("t1"), n, now)
		ok(t, err)
		old := rot.Consumed
		eq(t, "consumed jkt", old.JKT, "key-1")
		eq(t, "consumed family", old.FamilyID, "fam1")
		if !bytes.Equal(old.Hash, hash("t1")) {
			t.Fatalf("consumed hash = %x", old.Hash)
		}
		eq(t, "next family", n.FamilyID, "fam1")
		got, err := s.GetRefreshToken(ctx(t), "acme", hash("t2"), now)
		ok(t, err)
		eq(t, "stored family", got.FamilyID, "fam1")
		eq(t, "stored subject", got.Subject, "john")
		eq(t, "stored client", got.ClientID, "app1")
		eqList(t, "stored scopes", got.Scopes, []string{"a", "b"})
		eqList(t, "stored audience", got.Audience, []string{"https://api.example.com"})
		eqTime(t, "stored expiry", got.ExpiresAt, base.Add(2*time.Hour))
		eq(t, "stored jkt", got.JKT, "key-2")
		_, err = s.GetRefreshToken(ctx(t), "acme", hash("t1"), now)
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("rotate reports the user's standing", func(t *testing.T) {
		rt := sampleRefresh("s1", "famS")
		rt.Subject = "sue"
		ok(t, s.CreateRefreshToken(ctx(t), "acme", rt))
		rot, err := s.RotateRefreshToken(ctx(t), "acme", hash("s1"), next("s2", base.Add(2*time.Hour)), now)
		ok(t, err)
		eq(t, "active without a user row", rot.UserActive, false)
		eq(t, "scopes without a user row", len(rot.UserScopes), 0)

		defineScopes(t, s, "acme", "x", "y", "z")
		ok(t, s.CreateRole(ctx(t), "acme", &domain.Role{ID: "rot-a", Scopes: []string{"y", "x"}}))
		ok(t, s.CreateRole(ctx(t), "acme", &domain.Role{ID: "rot-b", Scopes: []string{"x", "z"}}))
		sue := &domain.User{ID: "sue", Roles: []string{"rot-b", "rot-a"}, Source: domain.SourceLocal}
		ok(t, s.CreateUser(ctx(t), "acme", sue))
		rot, err = s.RotateRefreshToken(ctx(t), "acme", hash("s2"), next("s3", base.Add(2*time.Hour)), now)
		ok(t, err)
		eq(t, "active", rot.UserActive, true)
		eqList(t, "scopes", rot.UserScopes, []string{"x", "y", "z"})
		eq(t, "subject", rot.Consumed.Subject, "sue")

		ok(t, errOf(s.UpdateUser(ctx(t), "acme", "sue", func(u *domain.User) error { u.Disabled = true; return nil })))
		rot, err = s.RotateRefreshToken(ctx(t), "acme", hash("s3"), next("s4", base.Add(2*time.Hour)), now)
		ok(t, err)
		eq(t, "active when disabled", rot.UserActive, false)
	})
	t.Run("unknown → ErrNotFound", func(t *testing.T) {
		_, err := s.RotateRefreshToken(ctx(t), "acme", hash("nope"), next("x", now), now)
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("reuse revokes the family", func(t *testing.T) {
		before, err := s.RevocationsSince(ctx(t), 0, 0)
		ok(t, err)
		_, err = s.RotateRefreshToken(ctx(t), "acme", hash("t1"), next("t3", now.Add(time.Hour)), now)
		isErr(t, err, domain.ErrTokenReused)
		_, err = s.GetRefreshToken(ctx(t), "acme", hash("t2"), now)
		isErr(t, err, domain.ErrNotFound)
		_, err = s.GetRefreshToken(ctx(t), "acme", hash("t3"), now)
		isErr(t, err, domain.ErrNotFound)
		after, err := s.RevocationsSince(ctx(t), 0, 0)
		ok(t, err)
		if len(after) != len(before)+1 {
			t.Fatalf("revocations: %d before, %d after reuse", len(before), len(after))
		}
		r := after[len(after)-1]
		eq(t, "kind", r.Kind, domain.RevokeFamily)
		eq(t, "value", r.Value, "fam1")
		eq(t, "tenant", r.Tenant, "acme")
		eqTime(t, "expires = family's last expiry", r.ExpiresAt, base.Add(2*time.Hour))
		// The revoked successor cannot be rotated either.
		_, err = s.RotateRefreshToken(ctx(t), "acme", hash("t2"), next("t4", now.Add(time.Hour)), now)
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("revoke family", func(t *testing.T) {
		ok(t, s.CreateRefreshToken(ctx(t), "acme", sampleRefresh("f2a", "fam2")))
		_, err := s.RotateRefreshToken(ctx(t), "acme", hash("f2a"), next("f2b", base.Add(time.Hour)), now)
		ok(t, err)
		ok(t, s.CreateRefreshToken(ctx(t), "acme", sampleRefresh("other", "fam3")))
		until := base.Add(5 * time.Hour)
		ok(t, s.RevokeRefreshFamily(ctx(t), "acme", "fam2", until))
		_, err = s.GetRefreshToken(ctx(t), "acme", hash("f2b"), now)
		isErr(t, err, domain.ErrNotFound)
		_, err = s.RotateRefreshToken(ctx(t), "acme", hash("f2b"), next("f2c", base.Add(time.Hour)), now)
		isErr(t, err, domain.ErrNotFound)
		_, err = s.GetRefreshToken(ctx(t), "acme", hash("other"), now)
		ok(t, err)
		rs, err := s.RevocationsSince(ctx(t), 0, 0)
		ok(t, err)
		r := rs[len(rs)-1]
		eq(t, "value", r.Value, "fam2")
		eqTime(t, "until", r.ExpiresAt, until)
		isErr(t, s.RevokeRefreshFamily(ctx(t), "acme", "no-such-family", until), domain.ErrNotFound)
	})
	t.Run("find returns rotated and revoked tokens, not expired ones", func(t *testing.T) {
		// f2a was rotated and its family revoked above; both still name fam2.
		for _, h := range []string{"f2a", "f2b"} {
			got, err := s.FindRefreshToken(ctx(t), "acme", hash(h), now)
			ok(t, err)
			eq(t, "family of "+h, got.FamilyID, "fam2")
			eq(t, "client of "+h, got.ClientID, "app1")
		}
		_, err := s.FindRefreshToken(ctx(t), "acme", hash("f2a"), base.Add(48*time.Hour))
		isErr(t, err, domain.ErrNotFound)
		_, err = s.FindRefreshToken(ctx(t), "acme", hash("nope"), now)
		isErr(t, err, domain.ErrNotFound)
	})
}

func testRevocations(t *testing.T, s store.Store) {
	newTenant(t, s, "a")
	newTenant(t, s, "b")
	var seqs []int64
	for i, tenant := range []string{"a", "b", "a", "b", "a"} {
		r := &domain.Revocation{Tenant: tenant, Kind: domain.RevokeTokenID, Value: string(rune('p' + i)),
			ExpiresAt: base.Add(time.Duration(i) * time.Minute)}
		ok(t, s.AddRevocation(ctx(t), r))
		if len(seqs) > 0 && r.Seq <= seqs[len(seqs)-1] {
			t.Fatalf("seq %d not after %d", r.Seq, seqs[len(seqs)-1])
		}
		seqs = append(seqs, r.Seq)
	}
	t.Run("all in seq order across tenants", func(t *testing.T) {
		rs, err := s.RevocationsSince(ctx(t), 0, 100)
		ok(t, err)
		eq(t, "count", len(rs), 5)
		for i, r := range rs {
			eq(t, "seq", r.Seq, seqs[i])
			eq(t, "value", r.Value, string(rune('p'+i)))
			eqTime(t, "expires", r.ExpiresAt, base.Add(time.Duration(i)*time.Minute))
		}
		eq(t, "tenant of second", rs[1].Tenant, "b")
	})
	t.Run("since and limit", func(t *testing.T) {
		rs, err := s.RevocationsSince(ctx(t), seqs[1], 2)
		ok(t, err)
		eq(t, "count", len(rs), 2)
		eq(t, "first", rs[0].Seq, seqs[2])
		eq(t, "second", rs[1].Seq, seqs[3])
		rs, err = s.RevocationsSince(ctx(t), seqs[4], 10)
		ok(t, err)
		eq(t, "after last", len(rs), 0)
	})
	t.Run("unknown tenant → ErrNotFound", func(t *testing.T) {
		err := s.AddRevocation(ctx(t), &domain.Revocation{Tenant: "ghost", Kind: domain.RevokeTokenID, Value: "x", ExpiresAt: base})
		isErr(t, err, domain.ErrNotFound)
	})
}

func sampleKey(id string, created time.Time) *domain.SigningKey {
	return &domain.SigningKey{ID: id, Algorithm: "ES256", PublicKey: []byte(`{"kid":"` + id + `"}`),
		PrivateKey: []byte("sealed-" + id), CreatedAt: created}
}

func keyIDs(t *testing.T, s store.Store, tenant string, now time.Time) []string {
	t.Helper()
	ks, err := s.ListSigningKeys(ctx(t), tenant, now)
	ok(t, err)
	return ids(ks, func(k domain.SigningKey) string { return k.ID })
}

func testSigningKeys(t *testing.T, s store.Store) {
	newTenant(t, s, "acme")
	t.Run("create then list", func(t *testing.T) {
		ok(t, s.CreateSigningKey(ctx(t), "acme", sampleKey("k1", base)))
		ks, err := s.ListSigningKeys(ctx(t), "acme", base)
		ok(t, err)
		eq(t, "count", len(ks), 1)
		k := ks[0]
		eq(t, "alg", k.Algorithm, "ES256")
		eq(t, "public", string(k.PublicKey), `{"kid":"k1"}`)
		eq(t, "private", string(k.PrivateKey), "sealed-k1")
		if k.RetiredAt != nil || k.PublishUntil != nil {
			t.Fatalf("new key retired: %v %v", k.RetiredAt, k.PublishUntil)
		}
	})
	t.Run("duplicate id → ErrConflict", func(t *testing.T) {
		isErr(t, s.CreateSigningKey(ctx(t), "acme", sampleKey("k1", base)), domain.ErrConflict)
	})
	t.Run("rotation and publish window", func(t *testing.T) {
		ok(t, s.RotateSigningKey(ctx(t), "acme", sampleKey("k2", base.Add(time.Hour)), base.Add(3*time.Hour)))
		eqList(t, "after first rotation", keyIDs(t, s, "acme", base.Add(time.Hour)), []string{"k2", "k1"})
		ok(t, s.RotateSigningKey(ctx(t), "acme", sampleKey("k3", base.Add(2*time.Hour)), base.Add(4*time.Hour)))
		eqList(t, "after second rotation", keyIDs(t, s, "acme", base.Add(2*time.Hour)), []string{"k3", "k2", "k1"})
		ks, err := s.ListSigningKeys(ctx(t), "acme", base.Add(2*time.Hour))
		ok(t, err)
		if ks[0].RetiredAt != nil {
			t.Fatal("active key k3 has RetiredAt")
		}
		if ks[1].RetiredAt == nil || !ks[1].RetiredAt.Equal(base.Add(2*time.Hour)) {
			t.Fatalf("k2 retired at %v, want %v", ks[1].RetiredAt, base.Add(2*time.Hour))
		}
		if ks[1].PublishUntil == nil || !ks[1].PublishUntil.Equal(base.Add(4*time.Hour)) {
			t.Fatalf("k2 publish until %v", ks[1].PublishUntil)
		}
		// k1 keeps the window from its own retirement.
		if ks[2].PublishUntil == nil || !ks[2].PublishUntil.Equal(base.Add(3*time.Hour)) {
			t.Fatalf("k1 publish until %v", ks[2].PublishUntil)
		}
		eqList(t, "k1 window over", keyIDs(t, s, "acme", base.Add(3*time.Hour)), []string{"k3", "k2"})
		eqList(t, "both windows over", keyIDs(t, s, "acme", base.Add(5*time.Hour)), []string{"k3"})
	})
}
