package sqlstore_test

import (
	"path/filepath"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
)

// BenchmarkGrantReads measures the reads of every token grant: the user
// with their roles' scopes (password grant, a rotation's user standing)
// and the application by client id, for a user with two roles.
func BenchmarkGrantReads(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchGrantReads(b, openB(b, filepath.Join(b.TempDir(), "b.db"))) })
	b.Run("postgres", func(b *testing.B) { benchGrantReads(b, openB(b, pgtest.NewDatabase(b))) })
}

func benchGrantReads(b *testing.B, s store.Store) {
	c := b.Context()
	for _, id := range []string{"s1", "s2", "s3"} {
		if err := s.CreateScope(c, "acme", &domain.Scope{ID: id}); err != nil {
			b.Fatal(err)
		}
	}
	for id, scopes := range map[string][]string{"r1": {"s1", "s2"}, "r2": {"s2", "s3"}} {
		if err := s.CreateRole(c, "acme", &domain.Role{ID: id, Scopes: scopes}); err != nil {
			b.Fatal(err)
		}
	}
	if err := s.CreateUser(c, "acme", &domain.User{ID: "u", Roles: []string{"r1", "r2"}, Source: domain.SourceLocal}); err != nil {
		b.Fatal(err)
	}
	if err := s.CreateApplication(c, "acme", &domain.Application{ID: "app", Scopes: []string{"s1", "s2"}}); err != nil {
		b.Fatal(err)
	}
	b.Run("GetUserWithScopes", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, held, err := s.GetUserWithScopes(c, "acme", "u"); err != nil || len(held) != 3 {
					b.Error(held, err)
					return
				}
			}
		})
	})
	b.Run("GetApplicationByClientID", func(b *testing.B) {
		b.RunParallel(func(pb *testing.PB) {
			for pb.Next() {
				if _, err := s.GetApplicationByClientID(c, "app"); err != nil {
					b.Error(err)
					return
				}
			}
		})
	})
}
