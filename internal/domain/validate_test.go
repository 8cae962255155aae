package domain

import (
	"strings"
	"testing"
	"time"
)

func validApp() *Application {
	return &Application{Name: "shop", GrantTypes: []string{GrantPassword}, Scopes: []string{"a", "b"},
		DefaultScopes: []string{"a"}, AccessTokenTTL: time.Hour, RefreshTokenTTL: 24 * time.Hour}
}

func TestValidation(t *testing.T) {
	tests := []struct {
		name  string
		err   error
		field string // "" means valid
	}{
		{"tenant slug", ValidateTenant(&Tenant{ID: "acme-1"}), ""},
		{"tenant upper case", ValidateTenant(&Tenant{ID: "Acme"}), "id"},
		{"tenant reserved path", ValidateTenant(&Tenant{ID: "oauth2"}), "id"},
		{"tenant reserved well-known", ValidateTenant(&Tenant{ID: ".well-known"}), "id"},
		{"tenant name with control char", ValidateTenant(&Tenant{ID: "a", Name: "x\x00"}), "name"},
		{"tenant API token cap", ValidateTenant(&Tenant{ID: "a", APITokenMaxTTL: 90 * 24 * time.Hour}), ""},
		{"tenant negative API token cap", ValidateTenant(&Tenant{ID: "a", APITokenMaxTTL: -time.Second}), "apiTokenMaxTtl"},
		{"tenant API token cap beyond 100 years", ValidateTenant(&Tenant{ID: "a", APITokenMaxTTL: MaxAPITokenMaxTTL + time.Second}), "apiTokenMaxTtl"},
		{"tenant API token cap not whole seconds", ValidateTenant(&Tenant{ID: "a", APITokenMaxTTL: 1500 * time.Millisecond}), "apiTokenMaxTtl"},
		{"user email as id", ValidateUser(&User{ID: "john@example.com", Email: "john@example.com"}), ""},
		{"user empty id", ValidateUser(&User{}), "id"},
		{"user id with space", ValidateUser(&User{ID: "john doe"}), "id"},
		{"user id with slash", ValidateUser(&User{ID: "a/b"}), "id"},
		{"user id too long", ValidateUser(&User{ID: strings.Repeat("a", 256)}), "id"},
		{"user id not UTF-8", ValidateUser(&User{ID: "\xff"}), "id"},
		{"user bad email", ValidateUser(&User{ID: "a", Email: "nope"}), "email"},
		{"user bad role", ValidateUser(&User{ID: "a", Roles: []string{"a b"}}), "roles"},
		{"scope with colon", ValidateScope(&Scope{ID: "orders:read"}), ""},
		{"scope with quote", ValidateScope(&Scope{ID: `a"b`}), "id"},
		{"scope with space", ValidateScope(&Scope{ID: "a b"}), "id"},
		{"scope named default", ValidateScope(&Scope{ID: "default"}), "id"},
		{"role", ValidateRole(&Role{ID: "reader", Scopes: []string{"orders:read"}}), ""},
		{"role bad scope", ValidateRole(&Role{ID: "reader", Scopes: []string{"a\\b"}}), "scopes"},
		{"application", ValidateApplication(validApp()), ""},
		{"application no name", ValidateApplication(func() *Application { a := validApp(); a.Name = ""; return a }()), "name"},
		{"application unknown grant", ValidateApplication(func() *Application { a := validApp(); a.GrantTypes = []string{"implicit"}; return a }()), "grantTypes"},
		{"application default not allowed", ValidateApplication(func() *Application { a := validApp(); a.DefaultScopes = []string{"c"}; return a }()), "defaultScopes"},
		{"application ttl too long", ValidateApplication(func() *Application { a := validApp(); a.AccessTokenTTL = 48 * time.Hour; return a }()), "accessTokenTtl"},
		{"application zero refresh ttl", ValidateApplication(func() *Application { a := validApp(); a.RefreshTokenTTL = 0; return a }()), "refreshTokenTtl"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.field == "" {
				if tc.err != nil {
					t.Fatalf("unexpected error %v", tc.err)
				}
				return
			}
			ie, ok := tc.err.(*InvalidError)
			if !ok || ie.Field != tc.field || !IsInvalid(tc.err) {
				t.Fatalf("got %v, want an invalid %s", tc.err, tc.field)
			}
		})
	}
}
