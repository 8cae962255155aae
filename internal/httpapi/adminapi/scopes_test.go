package adminapi_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
)

// TestDeleteInUse: deleting a role or scope that records name answers 409
// with the counts; ?force=true removes those uses with it, except from an
// API; the application cache hears of every application it changed.
func TestDeleteInUse(t *testing.T) {
	e := newEnv(t)
	tok := e.jwt("acme", "alice", "tollgate:admin")
	const base = "/acme/api/v1/entities/"
	e.must(e.do("POST", base+"scopes", tok, `{"data":{"type":"scope","id":"orders:read"}}`), 201)
	e.must(e.do("POST", base+"roles", tok, `{"data":{"type":"role","id":"reader","attributes":{"scopes":["orders:read"]}}}`), 201)
	for _, u := range []string{"ann", "bob"} {
		e.must(e.do("POST", base+"users", tok, `{"data":{"type":"user","id":"`+u+`","attributes":{"roles":["reader"]}}}`), 201)
	}
	app := e.must(e.do("POST", base+"applications", tok,
		`{"data":{"type":"application","attributes":{"name":"shop","scopes":["orders:read"],"defaultScopes":["orders:read"]}}}`), 201).resource(t)
	e.must(e.do("POST", base+"apis", tok, `{"data":{"type":"api","id":"orders","attributes":{"context":"/orders",
		"upstream":"http://93.184.215.14","resources":[{"method":"GET","path":"/items","scopes":["orders:read"]}]}}}`), 201)

	for _, tc := range []struct {
		name, path string
		status     int
		detail     string // in the error's detail
	}{
		{"role in use", base + "roles/reader", 409, `role "reader" is in use by 2 users; delete with force=true`},
		{"scope in use", base + "scopes/orders:read", 409, `scope "orders:read" is in use by 1 role, 1 application and 1 API`},
		{"scope an API names, forced", base + "scopes/orders:read?force=true", 409, "remove it from the APIs' resources first"},
		{"force not a boolean", base + "roles/reader?force=yes", 400, `must be true or false, not "yes"`},
		{"force=false", base + "roles/reader?force=false", 409, "in use by 2 users"},
		{"unknown role, forced", base + "roles/nope?force=true", 404, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.must(e.do("DELETE", tc.path, tok, ""), tc.status)
			if len(r.doc.Errors) != 1 || !strings.Contains(r.doc.Errors[0].Detail, tc.detail) {
				t.Fatalf("errors = %s, want a detail with %q", r.raw, tc.detail)
			}
		})
	}
	e.must(e.do("GET", base+"scopes/orders:read", tok, ""), 200)

	t.Run("forced, once no API names it", func(t *testing.T) {
		e.must(e.do("DELETE", base+"apis/orders", tok, ""), 204)
		e.mu.Lock()
		before := len(e.changed)
		e.mu.Unlock()
		e.must(e.do("DELETE", base+"scopes/orders:read?force=true", tok, ""), 204)
		e.must(e.do("GET", base+"scopes/orders:read", tok, ""), 404)
		role := e.must(e.do("GET", base+"roles/reader", tok, ""), 200).resource(t)
		got := e.must(e.do("GET", base+"applications/"+app.ID, tok, ""), 200).resource(t)
		for what, v := range map[string]any{"role scopes": role.Attributes["scopes"],
			"application scopes": got.Attributes["scopes"], "default scopes": got.Attributes["defaultScopes"]} {
			if fmt.Sprint(v) != "[]" {
				t.Errorf("%s after the forced delete = %v", what, v)
			}
		}
		e.mu.Lock()
		defer e.mu.Unlock()
		// Caches of clients drop the edited applications on a scope change.
		if !slices.Contains(e.changed[before:], "acme/scope/orders:read") {
			t.Errorf("changes caught up %q miss the scope's deletion", e.changed[before:])
		}
	})
	t.Run("forced role", func(t *testing.T) {
		e.must(e.do("DELETE", base+"roles/reader?force=true", tok, ""), 204)
		for _, u := range []string{"ann", "bob"} {
			got := e.must(e.do("GET", base+"users/"+u, tok, ""), 200).resource(t)
			if fmt.Sprint(got.Attributes["roles"]) != "[]" {
				t.Errorf("roles of %s = %v", u, got.Attributes["roles"])
			}
		}
	})
	t.Run("unused, without force", func(t *testing.T) {
		e.must(e.do("POST", base+"roles", tok, `{"data":{"type":"role","id":"spare"}}`), 201)
		e.must(e.do("DELETE", base+"roles/spare", tok, ""), 204)
	})
}
