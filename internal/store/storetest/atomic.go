package storetest

import (
	"context"
	"errors"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// testAtomic: the writes made under Atomic's context commit together or
// not at all, a role may name a scope created earlier in the same
// transaction, and writes under another context are not part of it.
func testAtomic(t *testing.T, s store.Store) {
	c := ctx(t)
	newTenant(t, s, "acme")
	boom := errors.New("boom")
	t.Run("rolled back on error", func(t *testing.T) {
		err := s.Atomic(c, func(ctx context.Context) error {
			ok(t, s.CreateScope(ctx, "acme", &domain.Scope{ID: "x"}))
			ok(t, s.CreateRole(ctx, "acme", &domain.Role{ID: "rx", Scopes: []string{"x"}}))
			return boom
		})
		isErr(t, err, boom)
		_, err = s.GetScope(c, "acme", "x")
		isErr(t, err, domain.ErrNotFound)
		_, err = s.GetRole(c, "acme", "rx")
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("a refused write rolls back the earlier ones", func(t *testing.T) {
		err := s.Atomic(c, func(ctx context.Context) error {
			ok(t, s.CreateScope(ctx, "acme", &domain.Scope{ID: "y"}))
			return s.CreateRole(ctx, "acme", &domain.Role{ID: "ry", Scopes: []string{"missing"}})
		})
		if err == nil {
			t.Fatal("a role with an unknown scope was stored")
		}
		_, err = s.GetScope(c, "acme", "y")
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("committed together", func(t *testing.T) {
		ok(t, s.Atomic(c, func(ctx context.Context) error {
			if err := s.CreateScope(ctx, "acme", &domain.Scope{ID: "z"}); err != nil {
				return err
			}
			return s.CreateRole(ctx, "acme", &domain.Role{ID: "rz", Scopes: []string{"z"}})
		}))
		r, err := s.GetRole(c, "acme", "rz")
		ok(t, err)
		eqList(t, "role scopes", r.Scopes, []string{"z"})
	})
}
