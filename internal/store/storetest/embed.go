package storetest

import (
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

func testEmbedSettings(t *testing.T, s store.Store) {
	newTenant(t, s, "acme")
	newTenant(t, s, "other")
	_, err := s.GetEmbedSettings(ctx(t), "acme")
	isErr(t, err, domain.ErrNotFound)
	isErr(t, s.PutEmbedSettings(ctx(t), "ghost", &domain.EmbedSettings{}), domain.ErrNotFound)

	in := &domain.EmbedSettings{Enabled: true, SealedSecret: []byte("sealed-1"), Scopes: []string{"a", "b"},
		AccessTokenTTL: time.Minute, RefreshTokenTTL: time.Hour, UpdatedAt: base}
	ok(t, s.PutEmbedSettings(ctx(t), "acme", in))
	got, err := s.GetEmbedSettings(ctx(t), "acme")
	ok(t, err)
	eq(t, "Enabled", got.Enabled, true)
	eq(t, "SealedSecret", string(got.SealedSecret), "sealed-1")
	eqList(t, "Scopes", got.Scopes, []string{"a", "b"})
	eq(t, "AccessTokenTTL", got.AccessTokenTTL, time.Minute)
	eq(t, "RefreshTokenTTL", got.RefreshTokenTTL, time.Hour)
	eqTime(t, "UpdatedAt", got.UpdatedAt, base)

	// Replacing the settings replaces the secret at once.
	ok(t, s.PutEmbedSettings(ctx(t), "acme", &domain.EmbedSettings{SealedSecret: []byte("sealed-2"), UpdatedAt: base}))
	got, err = s.GetEmbedSettings(ctx(t), "acme")
	ok(t, err)
	eq(t, "Enabled after replace", got.Enabled, false)
	eq(t, "SealedSecret after replace", string(got.SealedSecret), "sealed-2")
	eq(t, "Scopes after replace", len(got.Scopes), 0)

	t.Run("nil secret keeps the stored one", func(t *testing.T) {
		ok(t, s.PutEmbedSettings(ctx(t), "acme", &domain.EmbedSettings{Enabled: true, Scopes: []string{"c"}, UpdatedAt: base}))
		got, err := s.GetEmbedSettings(ctx(t), "acme")
		ok(t, err)
		eq(t, "SealedSecret", string(got.SealedSecret), "sealed-2")
		eq(t, "Enabled", got.Enabled, true)
		eqList(t, "Scopes", got.Scopes, []string{"c"})
	})
	t.Run("wrong tenant", func(t *testing.T) {
		_, err := s.GetEmbedSettings(ctx(t), "other")
		isErr(t, err, domain.ErrNotFound)
	})
}

func testEmbedNonces(t *testing.T, s store.Store) {
	newTenant(t, s, "acme")
	newTenant(t, s, "other")
	exp := base.Add(5 * time.Minute)
	ok(t, s.RedeemOnce(ctx(t), "acme", "n1", exp, base))
	isErr(t, s.RedeemOnce(ctx(t), "acme", "n1", exp, base.Add(time.Minute)), domain.ErrConflict)
	t.Run("wrong tenant", func(t *testing.T) {
		ok(t, s.RedeemOnce(ctx(t), "other", "n1", exp, base))
	})
	t.Run("expired nonce may be recorded again", func(t *testing.T) {
		later := exp.Add(time.Second)
		ok(t, s.RedeemOnce(ctx(t), "acme", "n1", later.Add(5*time.Minute), later))
		isErr(t, s.RedeemOnce(ctx(t), "acme", "n1", later.Add(5*time.Minute), later), domain.ErrConflict)
	})
	t.Run("unknown tenant", func(t *testing.T) {
		isErr(t, s.RedeemOnce(ctx(t), "ghost", "n1", exp, base), domain.ErrNotFound)
	})
	t.Run("concurrent redeem accepts exactly one", func(t *testing.T) {
		for round := range 5 {
			nonce := fmt.Sprintf("race-%d", round)
			errs := race(func(int) error { return s.RedeemOnce(ctx(t), "acme", nonce, exp, base) })
			eq(t, "successful redeems of "+nonce, tally(t, errs, domain.ErrConflict), 1)
		}
	})
	t.Run("DeleteExpired purges expired nonces", func(t *testing.T) {
		newTenant(t, s, "purge")
		ok(t, s.RedeemOnce(ctx(t), "purge", "old", base.Add(-time.Minute), base.Add(-2*time.Minute)))
		ok(t, s.RedeemOnce(ctx(t), "purge", "live", base.Add(time.Hour), base))
		n, err := s.DeleteExpired(ctx(t), base)
		ok(t, err)
		if n < 1 {
			t.Fatalf("DeleteExpired removed %d rows, want the expired nonce", n)
		}
		isErr(t, s.RedeemOnce(ctx(t), "purge", "live", base.Add(time.Hour), base), domain.ErrConflict)
	})
}

func testUpsertUsers(t *testing.T, s store.Store) {
	newTenant(t, s, "acme")
	newTenant(t, s, "other")
	defineSamples(t, s, "acme")
	defineRoles(t, s, "acme", "r")
	defineRoles(t, s, "other", "r")
	kept := sampleUser("kept")
	kept.Email = "old@example.com"
	ok(t, s.CreateUser(ctx(t), "acme", kept))
	ids := []string{"kept", "new1", "new2"}
	row := func(i int, stored *domain.User) *domain.User {
		if stored != nil && stored.Email == ids[i]+"@example.com" {
			return nil
		}
		u := &domain.User{Email: ids[i] + "@example.com", Roles: []string{"r"}, Source: domain.SourceCSV}
		if stored != nil {
			u.Source = stored.Source
		}
		return u
	}
	out, err := s.UpsertUsers(ctx(t), "acme", ids, row)
	ok(t, err)
	want := []domain.UpsertOutcome{domain.UpsertUpdated, domain.UpsertCreated, domain.UpsertCreated}
	if !slices.Equal(out, want) {
		t.Fatalf("outcomes = %v, want %v", out, want)
	}
	u, err := s.GetUser(ctx(t), "acme", "new1")
	ok(t, err)
	eq(t, "new1 email", u.Email, "new1@example.com")
	eq(t, "new1 source", u.Source, domain.SourceCSV)
	u, err = s.GetUser(ctx(t), "acme", "kept")
	ok(t, err)
	eq(t, "kept email", u.Email, "kept@example.com")
	eq(t, "kept source", u.Source, sampleUser("kept").Source)

	out, err = s.UpsertUsers(ctx(t), "acme", ids, row)
	ok(t, err)
	want = []domain.UpsertOutcome{domain.UpsertUnchanged, domain.UpsertUnchanged, domain.UpsertUnchanged}
	if !slices.Equal(out, want) {
		t.Fatalf("second outcomes = %v, want %v", out, want)
	}

	t.Run("a failing batch writes nothing", func(t *testing.T) {
		bad := []string{"atomic1", "dup", "dup"}
		_, err := s.UpsertUsers(ctx(t), "acme", bad, func(i int, _ *domain.User) *domain.User {
			return &domain.User{Roles: []string{}, Source: domain.SourceCSV}
		})
		isErr(t, err, domain.ErrConflict)
		_, err = s.GetUser(ctx(t), "acme", "atomic1")
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("wrong tenant", func(t *testing.T) {
		_, err := s.GetUser(ctx(t), "other", "new1")
		isErr(t, err, domain.ErrNotFound)
		out, err := s.UpsertUsers(ctx(t), "other", ids, row)
		ok(t, err)
		for i, o := range out {
			eq(t, "outcome in other tenant of "+ids[i], o, domain.UpsertCreated)
		}
	})
	t.Run("unknown tenant", func(t *testing.T) {
		_, err := s.UpsertUsers(ctx(t), "ghost", []string{"x"}, row)
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("batches larger than a chunk", func(t *testing.T) {
		many := make([]string, 1203)
		for i := range many {
			many[i] = fmt.Sprintf("bulk%04d", i)
		}
		mk := func(i int, stored *domain.User) *domain.User {
			if stored != nil {
				return nil
			}
			return &domain.User{Roles: []string{}, Source: domain.SourceCSV}
		}
		out, err := s.UpsertUsers(ctx(t), "acme", many, mk)
		ok(t, err)
		eq(t, "outcomes", len(out), len(many))
		eq(t, "last outcome", out[len(out)-1], domain.UpsertCreated)
		out, err = s.UpsertUsers(ctx(t), "acme", many, mk)
		ok(t, err)
		eq(t, "last outcome again", out[len(out)-1], domain.UpsertUnchanged)
	})
}
