package domain

import (
	"errors"
	"testing"
)

func TestGatewayTokenPath(t *testing.T) {
	for path, want := range map[string]bool{
		"/token": true, "/revoke": true, "/acme/oauth2/token": true, "/acme/oauth2/revoke": true, "/default/oauth2/token": true,
		"/token/": false, "/Token": false, "/%74oken": false, "/oauth2/token": false, "/acme/oauth2/introspect": false,
		"/Acme/oauth2/token": false, "/%2e%2e/oauth2/token": false, "//oauth2/token": false, "/a/b/oauth2/token": false,
		"/acme/oauth2/token/x": false, "token": false, "": false, "/orders/v1/items/1": false,
	} {
		if got := GatewayTokenPath(path); got != want {
			t.Errorf("GatewayTokenPath(%q) = %v, want %v", path, got, want)
		}
	}
}

// APIs that could reach a path the gateway hands to the token service
// are refused; the rest of the namespace stays open.
func TestAPIOnGatewayTokenPaths(t *testing.T) {
	api := func(context string, paths ...string) *API {
		a := &API{ID: "x", Context: context, Upstream: "http://up.test"}
		for _, p := range paths {
			a.Resources = append(a.Resources, APIResource{Method: "POST", Path: p})
		}
		return a
	}
	tests := []struct {
		name  string
		api   *API
		field string // "" means valid
	}{
		{"context /token", api("/token", "/"), "context"},
		{"context under /revoke", api("/revoke/v1", "/x"), "context"},
		{"context /TOKEN", api("/TOKEN"), "context"},
		{"context /{t}/oauth2", api("/acme/oauth2", "/token"), "context"},
		{"context /{t}/OAuth2/v1", api("/acme/OAuth2/v1"), "context"},
		{"resource /oauth2/token under one segment", api("/acme", "/oauth2/token"), "resources"},
		{"resource /oauth2/revoke under one segment", api("/acme", "/items", "/oauth2/revoke"), "resources"},
		{"template that matches /oauth2/token", api("/acme", "/{a}/{b}"), "resources"},
		{"template that matches /oauth2/revoke", api("/acme", "/oauth2/{op}"), "resources"},
		{"resource /oauth2/token two segments down", api("/acme/v1", "/oauth2/token"), ""},
		{"resource /oauth2/introspect", api("/acme", "/oauth2/introspect"), ""},
		{"context /tokens", api("/tokens", "/"), ""},
		{"context /oauth2", api("/oauth2", "/token"), ""},
		{"deeper template", api("/acme", "/{a}/{b}/{c}"), ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateAPI(tc.api)
			var ie *InvalidError
			switch {
			case tc.field == "" && err != nil:
				t.Fatalf("refused: %v", err)
			case tc.field != "" && (!errors.As(err, &ie) || ie.Field != tc.field):
				t.Fatalf("got %v, want an error on %s", err, tc.field)
			}
		})
	}
}
