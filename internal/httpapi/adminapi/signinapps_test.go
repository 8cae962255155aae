package adminapi_test

import (
	"fmt"
	"strings"
	"testing"
)

// pointerOf is the JSON pointer of the one error of r.
func pointerOf(r *response) string {
	if len(r.doc.Errors) != 1 || r.doc.Errors[0].Source == nil {
		return ""
	}
	return r.doc.Errors[0].Source.Pointer
}

func appBody(attrs string) string {
	return `{"data":{"type":"application","attributes":{"name":"web",` + attrs + `}}}`
}

func TestApplicationSignInAttributes(t *testing.T) { testApplicationSignInAttributes(t, newEnv(t)) }

func testApplicationSignInAttributes(t *testing.T, e *env) {
	tok := e.jwt("acme", "alice", "tollgate:admin")
	apps := "/acme/api/v1/entities/applications"

	r := e.must(e.do("POST", apps, tok, appBody(`"clientType":"public","redirectUris":["https://app.example/cb","com.example.app:/cb"],
		"postLogoutRedirectUris":["https://app.example/"],"idTokenSigningAlg":"RS256"`)), 201)
	app := r.resource(t)
	a := app.Attributes
	if _, ok := a["clientSecret"]; ok || a["clientSecretSet"] != false || a["clientType"] != "public" || a["firstParty"] != true ||
		fmt.Sprint(a["grantTypes"]) != "[authorization_code refresh_token]" || fmt.Sprint(a["redirectUris"]) != "[https://app.example/cb com.example.app:/cb]" ||
		fmt.Sprint(a["postLogoutRedirectUris"]) != "[https://app.example/]" || a["idTokenSigningAlg"] != "RS256" || a["owner"] != "" {
		t.Fatalf("public client: %s", r.raw)
	}
	self := apps + "/" + app.ID
	got := e.must(e.do("GET", self, tok, ""), 200).resource(t).Attributes
	if got["clientType"] != "public" || got["firstParty"] != true || fmt.Sprint(got["redirectUris"]) != fmt.Sprint(a["redirectUris"]) {
		t.Errorf("GET: %v", got)
	}
	r = e.must(e.do("POST", self+"/secret", tok, ""), 400)
	if pointerOf(r) != "/data/attributes/clientType" || !strings.Contains(string(r.raw), "public client") {
		t.Errorf("rotating a public client's secret: %s", r.raw)
	}
	// What was read may be sent back, read-only attributes included.
	back := `{"data":{"type":"application","id":"` + app.ID + `","attributes":{"owner":"","clientSecretSet":false,"clientId":"` + app.ID + `","firstParty":false}}}`
	if got := e.must(e.do("PATCH", self, tok, back), 200).resource(t).Attributes; got["firstParty"] != false {
		t.Errorf("third party: %v", got)
	}
	e.must(e.do("PATCH", self, tok, `{"data":{"type":"application","id":"`+app.ID+`","attributes":{"owner":"bob"}}}`), 400)

	// Made confidential, it has no secret until one is rotated in.
	got = e.must(e.do("PATCH", self, tok, `{"data":{"type":"application","id":"`+app.ID+`","attributes":{"clientType":"confidential"}}}`), 200).resource(t).Attributes
	if got["clientType"] != "confidential" || got["clientSecretSet"] != false || got["clientSecret"] != nil {
		t.Errorf("made confidential: %v", got)
	}
	rot := e.must(e.do("POST", self+"/secret", tok, ""), 200).resource(t).Attributes
	if s, _ := rot["clientSecret"].(string); !strings.HasPrefix(s, "tgs_") || rot["clientSecretSet"] != true {
		t.Errorf("rotated: %v", rot)
	}

	// A confidential client made as before keeps the defaults it had.
	conf := e.must(e.do("POST", apps, tok, appBody(`"grantTypes":["client_credentials"]`)), 201).resource(t).Attributes
	if conf["clientType"] != "confidential" || conf["clientSecretSet"] != true || conf["firstParty"] != true {
		t.Errorf("confidential client: %v", conf)
	}

	for _, tc := range []struct{ name, attrs, pointer string }{
		{"wildcard redirect URI", `"grantTypes":["authorization_code"],"redirectUris":["https://*.example/cb"]`, "redirectUris"},
		{"redirect URI with a fragment", `"grantTypes":["authorization_code"],"redirectUris":["https://app.example/cb#x"]`, "redirectUris"},
		{"http redirect URI off loopback", `"grantTypes":["authorization_code"],"redirectUris":["http://app.example/cb"]`, "redirectUris"},
		{"relative redirect URI", `"redirectUris":["/cb"]`, "redirectUris"},
		{"duplicate redirect URI", `"redirectUris":["https://a.example/","https://a.example/"]`, "redirectUris"},
		{"post-logout URI with user information", `"postLogoutRedirectUris":["https://u@a.example/"]`, "postLogoutRedirectUris"},
		{"code grant without redirect URIs", `"grantTypes":["authorization_code"]`, "redirectUris"},
		{"public client with client credentials", `"clientType":"public","grantTypes":["client_credentials"]`, "grantTypes"},
		{"public client with the password grant", `"clientType":"public","grantTypes":["password"]`, "grantTypes"},
		{"unknown client type", `"clientType":"private"`, "clientType"},
		{"unknown ID token algorithm", `"idTokenSigningAlg":"HS256"`, "idTokenSigningAlg"},
		{"owner on create", `"owner":"bob"`, "owner"},
		{"redirect URIs not a list", `"redirectUris":"https://a.example/"`, "redirectUris"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.must(e.do("POST", apps, tok, appBody(tc.attrs)), 400)
			if p := pointerOf(r); p != "/data/attributes/"+tc.pointer {
				t.Errorf("pointer %q in %s", p, r.raw)
			}
		})
	}
	if n := len(e.must(e.do("GET", apps, tok, ""), 200).resources(t)); n != 2 {
		t.Errorf("%d applications after refused creates, want 2", n)
	}
}

func TestTenantSessionAttributes(t *testing.T) { testTenantSessionAttributes(t, newEnv(t)) }

func testTenantSessionAttributes(t *testing.T, e *env) {
	r := e.must(e.do("POST", "/api/v1/entities/tenants", bootstrapToken,
		`{"data":{"type":"tenant","id":"beta","attributes":{"sessionIdleTimeoutSeconds":900,"sessionMaxAgeSeconds":28800}}}`), 201)
	if a := r.resource(t).Attributes; a["sessionIdleTimeoutSeconds"] != 900.0 || a["sessionMaxAgeSeconds"] != 28800.0 {
		t.Fatalf("created %s", r.raw)
	}
	self := "/api/v1/entities/tenants/beta"
	patch := func(attrs string) string {
		return `{"data":{"type":"tenant","id":"beta","attributes":{` + attrs + `}}}`
	}
	a := e.must(e.do("PATCH", self, bootstrapToken, patch(`"name":"Beta"`)), 200).resource(t).Attributes
	if a["sessionIdleTimeoutSeconds"] != 900.0 || a["sessionMaxAgeSeconds"] != 28800.0 || a["name"] != "Beta" {
		t.Errorf("a rename changed the limits: %v", a)
	}
	a = e.must(e.do("PATCH", self, bootstrapToken, patch(`"sessionIdleTimeoutSeconds":0,"sessionMaxAgeSeconds":0`)), 200).resource(t).Attributes
	if a["sessionIdleTimeoutSeconds"] != 0.0 || a["sessionMaxAgeSeconds"] != 0.0 {
		t.Errorf("back to the defaults: %v", a)
	}
	for _, tc := range []struct{ attrs, pointer string }{
		{`"sessionIdleTimeoutSeconds":30`, "sessionIdleTimeoutSeconds"},
		{`"sessionMaxAgeSeconds":-1`, "sessionMaxAgeSeconds"},
		{`"sessionMaxAgeSeconds":9223372036854775807`, "sessionMaxAgeSeconds"},
		{`"sessionMaxAgeSeconds":2592001`, "sessionMaxAgeSeconds"},
		{`"sessionIdleTimeoutSeconds":7200,"sessionMaxAgeSeconds":3600`, "sessionIdleTimeoutSeconds"},
	} {
		r := e.must(e.do("PATCH", self, bootstrapToken, patch(tc.attrs)), 400)
		if p := pointerOf(r); p != "/data/attributes/"+tc.pointer {
			t.Errorf("%s: pointer %q in %s", tc.attrs, p, r.raw)
		}
	}
	// Tenant admins manage no tenants, their own included.
	e.must(e.do("PATCH", "/api/v1/entities/tenants/default", e.jwt("default", "root", "tollgate:admin"),
		`{"data":{"type":"tenant","id":"default","attributes":{"sessionMaxAgeSeconds":3600}}}`), 403)
}
