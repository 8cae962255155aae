package admin

import (
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

func TestPermissions(t *testing.T) {
	admin := Principal{Tenant: "acme", Subject: "alice", Scopes: []string{"openid", domain.AdminScope}}
	user := Principal{Tenant: "acme", Subject: "bob", Scopes: []string{"orders:read"}}
	boot := Principal{Bootstrap: true}
	tests := []struct {
		name string
		err  error
		want error
	}{
		{"bootstrap administers any tenant", canAdmin(boot, "other"), nil},
		{"bootstrap manages tenants", canBootstrap(boot), nil},
		{"admin administers own tenant", canAdmin(admin, "acme"), nil},
		{"admin of another tenant", canAdmin(admin, "other"), ErrForbidden},
		{"admin manages no tenants", canBootstrap(admin), ErrForbidden},
		{"user administers nothing", canAdmin(user, "acme"), ErrForbidden},
		{"user reads self", canReadUser(user, "acme", "bob"), nil},
		{"user reads no one else", canReadUser(user, "acme", "alice"), ErrForbidden},
		{"same name in another tenant", canReadUser(user, "other", "bob"), ErrForbidden},
		{"no subject reads no one", canReadUser(Principal{Tenant: "acme"}, "acme", ""), ErrForbidden},
	}
	for _, tc := range tests {
		if tc.err != tc.want {
			t.Errorf("%s: got %v, want %v", tc.name, tc.err, tc.want)
		}
	}
}

func TestPaging(t *testing.T) {
	ids := func(n int) []domain.Scope {
		out := make([]domain.Scope, n)
		for i := range out {
			out[i].ID = string(rune('a' + i))
		}
		return out
	}
	id := func(s *domain.Scope) string { return s.ID }
	pg := pageOf(domain.Page{Limit: 2})
	if pg.Limit != 3 {
		t.Fatalf("pageOf asks for %d, want 3", pg.Limit)
	}
	if got, next := trimPage(ids(3), pg, id); len(got) != 2 || next != "b" {
		t.Errorf("full page: %v, next %q", got, next)
	}
	if got, next := trimPage(ids(2), pg, id); len(got) != 2 || next != "" {
		t.Errorf("last page: %v, next %q", got, next)
	}
	if pg := pageOf(domain.Page{}); pg.Limit != DefaultPageSize+1 {
		t.Errorf("default page asks for %d", pg.Limit)
	}
	if pg := pageOf(domain.Page{Limit: 1 << 20}); pg.Limit != MaxPageSize+1 {
		t.Errorf("huge page asks for %d", pg.Limit)
	}
	if pg := pageOf(domain.Page{After: "a", Prefix: "AB"}); pg.After != "a" || pg.Prefix != "AB" {
		t.Errorf("pageOf dropped the cursor or the prefix: %+v", pg)
	}
}
