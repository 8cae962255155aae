package storetest

import (
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// testImportedHash: the key of the hash an import wrote is stored with
// the user and survives a sign-in's rehash; a user imported before the
// key existed gets the key of the hash the rehash replaced.
func testImportedHash(t *testing.T, s store.Store) {
	newTenant(t, s, "acme")
	defineSamples(t, s, "acme")
	legacy := "$2b$10$legacy"
	mk := func(id, key string) func(int, *domain.User) *domain.User {
		return func(int, *domain.User) *domain.User {
			return &domain.User{PasswordHash: legacy, ImportedHash: key, Roles: []string{}, Source: domain.SourceCSV}
		}
	}
	_, err := s.UpsertUsers(ctx(t), "acme", []string{"ann"}, mk("ann", domain.ImportedHashKey(legacy)))
	ok(t, err)
	_, err = s.UpsertUsers(ctx(t), "acme", []string{"old"}, mk("old", "")) // as imported before the column
	ok(t, err)
	local := sampleUser("local")
	ok(t, s.CreateUser(ctx(t), "acme", local))
	for _, c := range []struct{ id, from, want string }{
		{"ann", legacy, domain.ImportedHashKey(legacy)},
		{"old", legacy, domain.ImportedHashKey(legacy)},
		{"local", local.PasswordHash, ""}, // never imported: nothing to remember
	} {
		ok(t, s.SetPasswordHash(ctx(t), "acme", c.id, c.from, "$argon2id$upgraded"))
		ok(t, s.SetPasswordHash(ctx(t), "acme", c.id, "$argon2id$upgraded", "$argon2id$again"))
		u, err := s.GetUser(ctx(t), "acme", c.id)
		ok(t, err)
		eq(t, c.id+" hash", u.PasswordHash, "$argon2id$again")
		eq(t, c.id+" imported hash", u.ImportedHash, c.want)
	}
}
