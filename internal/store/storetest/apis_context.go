package storetest

import (
	"fmt"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// testAPIContexts pins the rule that keeps one tenant's API from
// capturing requests meant for another's (issue 12): contexts are unique
// in any letter case, and a context may not be a whole-segment prefix of
// another tenant's. The store checks it in the writing transaction, so
// concurrent writes cannot both pass.
func testAPIContexts(t *testing.T, s store.Store) {
	c := ctx(t)
	newTenant(t, s, "x")
	defineScopes(t, s, "x", "orders:read")
	newTenant(t, s, "y")
	defineScopes(t, s, "y", "orders:read")
	ok(t, s.CreateAPI(c, "x", sampleAPI("orders", "/shop/v1")))
	clash := func(t *testing.T, err error, taken string) {
		t.Helper()
		isErr(t, err, domain.ErrConflict)
		if !strings.Contains(err.Error(), `"`+taken+`"`) {
			t.Fatalf("%v does not name the context %q", err, taken)
		}
	}

	t.Run("letter case", func(t *testing.T) {
		clash(t, s.CreateAPI(c, "x", sampleAPI("orders2", "/Shop/v1")), "/shop/v1")
		clash(t, s.CreateAPI(c, "y", sampleAPI("orders", "/SHOP/V1")), "/shop/v1")
	})
	t.Run("prefix of another tenant's context", func(t *testing.T) {
		for _, cx := range []string{"/shop", "/Shop", "/shop/v1/admin"} {
			clash(t, s.CreateAPI(c, "y", sampleAPI("orders", cx)), "/shop/v1")
		}
		// Whole segments only: /shop/v10 is not below /shop/v1.
		ok(t, s.CreateAPI(c, "y", sampleAPI("v10", "/shop/v10")))
		ok(t, s.CreateAPI(c, "y", sampleAPI("ordersx", "/shopx")))
	})
	t.Run("prefix within a tenant", func(t *testing.T) {
		ok(t, s.CreateAPI(c, "x", sampleAPI("all", "/shop/v1/admin")))
		// /shop would be a prefix of y's /shop/v10 too.
		clash(t, s.CreateAPI(c, "x", sampleAPI("root", "/shop")), "/shop/v10")
	})
	t.Run("update", func(t *testing.T) {
		clash(t, errOf(s.UpdateAPI(c, "y", "v10", replaceWith(sampleAPI("v10", "/shop/v1/x")))), "/shop/v1")
		// An API does not clash with itself.
		ok(t, errOf(s.UpdateAPI(c, "y", "v10", replaceWith(sampleAPI("v10", "/Shop/v10")))))
		got, err := s.GetAPI(c, "y", "v10")
		ok(t, err)
		eq(t, "context", got.Context, "/Shop/v10")
	})
	t.Run("concurrent creates of two tenants", func(t *testing.T) {
		newTenant(t, s, "p")
		defineScopes(t, s, "p", "orders:read")
		newTenant(t, s, "q")
		defineScopes(t, s, "q", "orders:read")
		for round := range 10 {
			// Even workers write for p, odd ones for q, contexts that
			// nest: whichever tenant comes first, the other gets none.
			errs := race(func(i int) error {
				tenant := []string{"p", "q"}[i%2]
				cx := fmt.Sprintf("/race%d", round) + strings.Repeat("/s", i/2)
				return s.CreateAPI(c, tenant, sampleAPI(fmt.Sprintf("r%dw%d", round, i), cx))
			})
			eq(t, "winners", tally(t, errs, domain.ErrConflict), workers/2)
			owners := map[string]bool{}
			for i, err := range errs {
				if err == nil {
					owners[[]string{"p", "q"}[i%2]] = true
				}
			}
			eq(t, "tenants owning /race contexts", len(owners), 1)
		}
	})
}
