package storetest

import (
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

func sampleAPI(id, context string) *domain.API {
	return &domain.API{ID: id, Context: context, Upstream: "http://127.0.0.1:9000",
		CreatedAt: base, UpdatedAt: base,
		Resources: []domain.APIResource{
			{Method: "GET", Path: "/items/{id}", Scopes: []string{"orders:read"}},
			{Method: "GET", Path: "/health", Scopes: []string{}, Public: true},
		}}
}

// testAPIs pins CRUD of APIs, the context's uniqueness across tenants
// (the gateway routes on it alone) and tenant isolation.
func testAPIs(t *testing.T, s store.Store) {
	c := ctx(t)
	newTenant(t, s, "a")
	defineScopes(t, s, "a", "orders:read")
	newTenant(t, s, "b")
	defineScopes(t, s, "b", "orders:read")

	t.Run("round trip", func(t *testing.T) {
		ok(t, s.CreateAPI(c, "a", sampleAPI("orders", "/orders/v1")))
		got, err := s.GetAPI(c, "a", "orders")
		ok(t, err)
		eq(t, "tenant", got.Tenant, "a")
		eq(t, "context", got.Context, "/orders/v1")
		eq(t, "upstream", got.Upstream, "http://127.0.0.1:9000")
		eq(t, "resources", len(got.Resources), 2)
		eq(t, "path", got.Resources[0].Path, "/items/{id}")
		eqList(t, "scopes", got.Resources[0].Scopes, []string{"orders:read"})
		eq(t, "public", got.Resources[1].Public, true)
		eqList(t, "public scopes", got.Resources[1].Scopes, []string{})
		eqTime(t, "created", got.CreatedAt, base)
	})
	t.Run("id twice", func(t *testing.T) {
		isErr(t, s.CreateAPI(c, "a", sampleAPI("orders", "/other")), domain.ErrConflict)
	})
	t.Run("context registered twice", func(t *testing.T) {
		isErr(t, s.CreateAPI(c, "a", sampleAPI("orders2", "/orders/v1")), domain.ErrConflict)
		// Another tenant neither: the gateway URL carries no tenant.
		isErr(t, s.CreateAPI(c, "b", sampleAPI("orders", "/orders/v1")), domain.ErrConflict)
	})
	t.Run("update", func(t *testing.T) {
		a := sampleAPI("orders", "/orders/v2")
		a.Resources = a.Resources[:1]
		ok(t, errOf(s.UpdateAPI(c, "a", "orders", replaceWith(a))))
		got, err := s.GetAPI(c, "a", "orders")
		ok(t, err)
		eq(t, "context", got.Context, "/orders/v2")
		eq(t, "resources", len(got.Resources), 1)
		ok(t, s.CreateAPI(c, "a", sampleAPI("billing", "/billing")))
		isErr(t, errOf(s.UpdateAPI(c, "a", "billing", replaceWith(sampleAPI("billing", "/orders/v2")))), domain.ErrConflict)
		isErr(t, errOf(s.UpdateAPI(c, "a", "nope", replaceWith(sampleAPI("nope", "/nope")))), domain.ErrNotFound)
	})
	t.Run("tenant isolation", func(t *testing.T) {
		_, err := s.GetAPI(c, "b", "orders")
		isErr(t, err, domain.ErrNotFound)
		xs, err := s.ListAPIs(c, "b", domain.Page{})
		ok(t, err)
		eq(t, "b's APIs", len(xs), 0)
		isErr(t, errOf(s.UpdateAPI(c, "b", "orders", replaceWith(sampleAPI("orders", "/x")))), domain.ErrNotFound)
		isErr(t, s.DeleteAPI(c, "b", "orders"), domain.ErrNotFound)
		ok(t, s.CreateAPI(c, "b", sampleAPI("orders", "/b/orders")))
		got, err := s.GetAPI(c, "a", "orders")
		ok(t, err)
		eq(t, "a's context untouched", got.Context, "/orders/v2")
	})
	t.Run("list and all", func(t *testing.T) {
		xs, err := s.ListAPIs(c, "a", domain.Page{})
		ok(t, err)
		eqList(t, "a's APIs", ids(xs, func(a domain.API) string { return a.ID }), []string{"billing", "orders"})
		all, err := s.AllAPIs(c)
		ok(t, err)
		eqList(t, "all", ids(all, func(a domain.API) string { return a.Tenant + "/" + a.ID }),
			[]string{"a/billing", "a/orders", "b/orders"})
	})
	t.Run("delete", func(t *testing.T) {
		ok(t, s.DeleteAPI(c, "a", "orders"))
		_, err := s.GetAPI(c, "a", "orders")
		isErr(t, err, domain.ErrNotFound)
		isErr(t, s.DeleteAPI(c, "a", "orders"), domain.ErrNotFound)
		// The context is free again.
		ok(t, s.CreateAPI(c, "a", sampleAPI("orders", "/orders/v2")))
	})
	t.Run("tenant deletion", func(t *testing.T) {
		ok(t, s.DeleteTenant(c, "b"))
		all, err := s.AllAPIs(c)
		ok(t, err)
		eq(t, "after deleting b", len(all), 2)
		isErr(t, s.CreateAPI(c, "gone", sampleAPI("x", "/x")), domain.ErrNotFound)
	})
	t.Run("operator upstream", func(t *testing.T) {
		a := sampleAPI("operated", "/operated")
		a.OperatorUpstream = true
		ok(t, s.CreateAPI(c, "a", a))
		got, err := s.GetAPI(c, "a", "operated")
		ok(t, err)
		eq(t, "operator upstream", got.OperatorUpstream, true)
		got.OperatorUpstream = false
		ok(t, errOf(s.UpdateAPI(c, "a", "operated", replaceWith(got))))
		all, err := s.AllAPIs(c)
		ok(t, err)
		for _, x := range all {
			eq(t, x.ID+" operator upstream", x.OperatorUpstream, false)
		}
	})
	t.Run("contexts", func(t *testing.T) { testAPIContexts(t, s) }) // apis_context.go
}
