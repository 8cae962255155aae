package oauth

import (
	"slices"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

func TestGrantedScopes(t *testing.T) {
	app := &domain.Application{Scopes: []string{"read", "write", "admin"}, DefaultScopes: []string{"read"}}
	tests := []struct {
		name      string
		requested string
		policy    ScopePolicy
		want      []string
		wantCode  string
	}{
		{name: "nothing requested gives defaults", policy: ClientOnly(), want: []string{"read"}},
		{name: "request intersected with app", requested: "read write other", policy: ClientOnly(), want: []string{"read", "write"}},
		{name: "user roles limit", requested: "read write", policy: UserRoles([]string{"write"}), want: []string{"write"}},
		{name: "user roles limit the defaults", policy: UserRoles([]string{"write"}), want: nil},
		{name: "no roles grant nothing", requested: "read", policy: UserRoles(nil), wantCode: CodeInvalidScope},
		{name: "empty roles grant nothing", requested: "read", policy: UserRoles([]string{}), wantCode: CodeInvalidScope},
		{name: "refresh keeps the original grant", policy: OriginalGrant([]string{"write"}, []string{"read", "write"}), want: []string{"write"}},
		{name: "refresh within roles still held", policy: OriginalGrant([]string{"read", "write"}, []string{"read"}), want: []string{"read"}},
		{name: "refresh may not widen", requested: "admin", policy: OriginalGrant([]string{"read"}, []string{"read", "admin"}), wantCode: CodeInvalidScope},
		{name: "refresh may narrow", requested: "write", policy: OriginalGrant([]string{"read", "write"}, []string{"read", "write"}), want: []string{"write"}},
		{name: "refresh of an empty grant stays empty", policy: OriginalGrant(nil, []string{"read"}), want: nil},
		{name: "default means the defaults", requested: "default", policy: ClientOnly(), want: []string{"read"}},
		{name: "default on refresh keeps the grant", requested: "default", policy: OriginalGrant([]string{"write"}, []string{"write"}), want: []string{"write"}},
		{name: "default among others is a name", requested: "default write", policy: ClientOnly(), want: []string{"write"}},
		{name: "duplicates collapse", requested: "read read", policy: ClientOnly(), want: []string{"read"}},
		{name: "only spaces grant nothing", requested: "  ", policy: ClientOnly(), wantCode: CodeInvalidScope},
		{name: "nothing grantable", requested: "other", policy: ClientOnly(), wantCode: CodeInvalidScope},
		{name: "an owned client within its owner's roles", requested: "read write", policy: OwnedClient([]string{"read"}), want: []string{"read"}},
		{name: "an owned client's own token describes no user", requested: "openid read", policy: OwnedClient([]string{"read"}), want: []string{"read"}},
		{name: "no policy is refused, not unlimited", requested: "read", policy: ScopePolicy{}, wantCode: CodeServerError},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sp, err := parseScope(tc.requested)
			if err != nil {
				t.Fatal(err)
			}
			got, err := grantedScopes(sp, app, tc.policy)
			if code := errorCode(err); code != tc.wantCode {
				t.Fatalf("error %v, want code %q", err, tc.wantCode)
			}
			if !slices.Equal(got, tc.want) {
				t.Fatalf("got %v, want %v", got, tc.want)
			}
		})
	}
}

func TestParseScope(t *testing.T) {
	tests := []struct {
		name     string
		raw      string
		want     scopeParam
		wantCode string
	}{
		{name: "absent", raw: "", want: scopeParam{}},
		{name: "default alone", raw: "default", want: scopeParam{asDefault: true}},
		{name: "default with a space is a name", raw: "default ", want: scopeParam{names: []string{"default"}, asked: true}},
		{name: "names split on white space", raw: "a  b\tc", want: scopeParam{names: []string{"a", "b", "c"}, asked: true}},
		{name: "malformed token", raw: `read "x`, wantCode: CodeInvalidScope},
		{name: "backslash", raw: `a\b`, wantCode: CodeInvalidScope},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseScope(tc.raw)
			if code := errorCode(err); code != tc.wantCode {
				t.Fatalf("error %v, want code %q", err, tc.wantCode)
			}
			if !slices.Equal(got.names, tc.want.names) || got.asked != tc.want.asked || got.asDefault != tc.want.asDefault {
				t.Fatalf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

// An application a user owns never holds the admin scope, even when its
// owner does.
func TestOwnedClientNeverAdmin(t *testing.T) {
	p := OwnedClient([]string{domain.AdminScope, "read"})
	if p.allows(domain.AdminScope) || !p.allows("read") {
		t.Errorf("owned client: admin %v, read %v", p.allows(domain.AdminScope), p.allows("read"))
	}
}
