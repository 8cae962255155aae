package main

import (
	"net/url"
	"testing"
)

// refreshAs presents a refresh token as the client id:secret.
func (e *env) refreshAs(id, secret, tok string) *response {
	e.t.Helper()
	return e.post("/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok}}, id, secret)
}

// A refresh token presented by another client of the same tenant has
// leaked: the answer is invalid_grant, and the session ends for its own
// client too, refresh and access tokens alike.
func TestRefreshByAnotherClient(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		first := e.passwordToken("")
		otherID, otherSecret := e.createApp("", `"grantTypes":["password","refresh_token"],"scopes":["orders:read"]`)
		r := e.refreshAs(otherID, otherSecret, first.str("refresh_token"))
		if r.status != 400 || r.str("error") != "invalid_grant" {
			t.Fatalf("another client's refresh: %d %s", r.status, r.raw)
		}
		// The access token first: the owner's refresh below would revoke
		// the family itself, as a reuse, if the leak had not.
		if in := e.introspect(first.str("access_token")); in["active"] != false {
			t.Fatalf("the owner's access token after the leak: %v", in)
		}
		if r := e.refreshAs(e.clientID, e.clientSecret, first.str("refresh_token")); r.status != 400 || r.str("error") != "invalid_grant" {
			t.Fatalf("the owner's refresh after the leak: %d %s", r.status, r.raw)
		}
	})
}
