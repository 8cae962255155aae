package main

import (
	"net/url"
	"testing"
)

// TestUsernamesNormalised: a username is one user in any case or width
// (PRECIS UsernameCaseMapped), on create, sign-in and every URL that names
// a user; a name PRECIS refuses is a 400 on create and the uniform
// invalid_grant on sign-in.
func TestUsernamesNormalised(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		// The seed created john.doe: lookalikes are that user.
		for _, id := range []string{"Ｊohn.doe", "JOHN.DOE"} {
			e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"`+id+`","attributes":{"password":"other-pw1"}}}`, 409)
		}
		e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"john\u200bdoe","attributes":{"password":"other-pw1"}}}`, 400)
		doc := e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"Ann.Lee","attributes":{"password":"ann-pw-123","roles":["reader"]}}}`, 201)
		if id := doc["data"].(map[string]any)["id"]; id != "ann.lee" {
			t.Fatalf("created id %v, want ann.lee", id)
		}
		if doc := e.api("GET", "/api/v1/entities/users/ANN.LEE", "", 200); doc["data"].(map[string]any)["id"] != "ann.lee" {
			t.Fatalf("GET by another case: %v", doc)
		}
		e.api("GET", "/api/v1/entities/users/"+url.PathEscape("ａnn.lee"), "", 200)
		e.api("GET", "/api/v1/entities/users/"+url.PathEscape("ann\u200b.lee"), "", 400)

		wrong := e.post("/token", url.Values{"grant_type": {"password"}, "username": {"ann.lee"}, "password": {"wrong"}}, e.clientID, e.clientSecret)
		for _, name := range []string{"ann.lee", "Ann.Lee", "ＡＮＮ.lee"} {
			r := e.post("/token", url.Values{"grant_type": {"password"}, "username": {name}, "password": {"ann-pw-123"}}, e.clientID, e.clientSecret)
			if r.status != 200 {
				t.Fatalf("password grant as %q: %d %s", name, r.status, r.raw)
			}
			if sub := e.introspect(r.str("access_token"))["sub"]; sub != "ann.lee" {
				t.Fatalf("sub for %q: %v", name, sub)
			}
		}
		r := e.post("/token", url.Values{"grant_type": {"password"}, "username": {"ann\u200b.lee"}, "password": {"ann-pw-123"}}, e.clientID, e.clientSecret)
		if r.status != 400 || r.raw != wrong.raw {
			t.Fatalf("zero-width space in the username: %d %s; want the answer to a wrong password %s", r.status, r.raw, wrong.raw)
		}

		// API-token paths name the user in any case too.
		e.api("POST", "/api/v1/entities/users/ANN.LEE/apiTokens", `{"data":{"id":"ci","type":"apiToken"}}`, 201)
		list := e.api("GET", "/api/v1/entities/users/ann.lee/apiTokens", "", 200)
		if xs := list["data"].([]any); len(xs) != 1 {
			t.Fatalf("tokens of ann.lee: %v", list)
		}
		e.api("DELETE", "/api/v1/entities/users/Ann.Lee/apiTokens/ci", "", 204)
		e.api("DELETE", "/api/v1/entities/users/Ann.Lee", "", 204)
		e.api("GET", "/api/v1/entities/users/ann.lee", "", 404)
	})
}
