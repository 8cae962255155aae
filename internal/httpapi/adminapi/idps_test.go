package adminapi_test

import (
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc/oidctest"

	"github.com/tollgate-dev/tollgate/internal/gateway/upstream"
)

// discoveryServer is an OpenID provider on loopback whose discovery
// document names its own URL as the issuer.
func discoveryServer(t *testing.T) string {
	t.Helper()
	op := &oidctest.Server{}
	srv := httptest.NewServer(op)
	t.Cleanup(srv.Close)
	op.SetIssuer(srv.URL)
	return srv.URL
}

func idpBody(id, attrs string) string {
	return `{"data":{"type":"identityProvider","id":"` + id + `","attributes":{` + attrs + `}}}`
}

func TestIdentityProviders(t *testing.T) { testIdentityProviders(t, newEnv(t)) }

func testIdentityProviders(t *testing.T, e *env) {
	issuer := discoveryServer(t)
	acme := e.jwt("acme", "alice", "tollgate:admin")
	idps := "/acme/api/v1/entities/identityProviders"
	const secret = "provider-secret-value"

	// The operator may name a loopback issuer; the secret never comes back.
	r := e.must(e.do("POST", idps, bootstrapToken, idpBody("azuread", `"displayName":"Microsoft","issuer":"`+issuer+`",
		"clientId":"tollgate","clientSecret":"`+secret+`","usernameClaim":"preferred_username","createUsers":true`)), 201)
	x := r.resource(t)
	if x.Type != "identityProvider" || x.ID != "azuread" || x.Attributes["clientSecretSet"] != true || x.Attributes["enabled"] != true ||
		x.Attributes["issuer"] != issuer || x.Attributes["usernameClaim"] != "preferred_username" || x.Attributes["createUsers"] != true ||
		strings.Join(toStrings(x.Attributes["scopes"]), " ") != "openid profile email" || r.header.Get("Location") != idps+"/azuread" {
		t.Fatalf("created %s", r.raw)
	}
	self := idps + "/azuread"
	for _, raw := range [][]byte{r.raw, e.must(e.do("GET", self, acme, ""), 200).raw, e.must(e.do("GET", idps, acme, ""), 200).raw} {
		if strings.Contains(string(raw), secret) || strings.Contains(string(raw), `"clientSecret"`) {
			t.Fatalf("the secret is shown: %s", raw)
		}
	}
	if xs := e.must(e.do("GET", idps, acme, ""), 200).resources(t); len(xs) != 1 || xs[0].Links.Self != self {
		t.Errorf("list: %+v", xs)
	}
	r = e.must(e.do("PATCH", self, acme, idpBody("azuread", `"enabled":false,"clientSecretSet":true,"defaultRoles":[]`)), 200)
	if a := r.resource(t).Attributes; a["enabled"] != false || a["clientSecretSet"] != true || a["issuer"] != issuer {
		t.Errorf("patched: %s", r.raw)
	}
	e.must(e.do("POST", idps, acme, idpBody("azuread", `"issuer":"`+issuer+`","clientId":"x"`)), 409)

	for _, tc := range []struct {
		name, token, body, pointer, says string
	}{
		{"tenant admin's loopback issuer", acme, idpBody("a", `"issuer":"`+issuer+`","clientId":"x"`), "issuer", upstream.Flag},
		{"tenant admin's private issuer", acme, idpBody("b", `"issuer":"https://192.168.1.10/","clientId":"x"`), "issuer", "not a public address"},
		{"tenant admin's http issuer", acme, idpBody("c", `"issuer":"http://login.example/","clientId":"x"`), "issuer", "https"},
		{"unreachable issuer", bootstrapToken, idpBody("d", `"issuer":"http://127.0.0.1:1","clientId":"x"`), "issuer", "discovery"},
		{"issuer with a query", bootstrapToken, idpBody("e", `"issuer":"https://login.example/?a=b","clientId":"x"`), "issuer", "query"},
		{"unknown default role", bootstrapToken, idpBody("f", `"issuer":"`+issuer+`","clientId":"x","defaultRoles":["nope"]`), "defaultRoles", "nope"},
		{"no client id", bootstrapToken, idpBody("g", `"issuer":"`+issuer+`"`), "clientId", "required"},
		{"scopes without openid", bootstrapToken, idpBody("h", `"issuer":"`+issuer+`","clientId":"x","scopes":["email"]`), "scopes", "openid"},
		{"bad username claim", bootstrapToken, idpBody("i", `"issuer":"`+issuer+`","clientId":"x","usernameClaim":"a.b"`), "usernameClaim", "claim"},
		{"upper-case id", bootstrapToken, idpBody("Corp", `"issuer":"`+issuer+`","clientId":"x"`), "id", "lower-case"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.must(e.do("POST", idps, tc.token, tc.body), 400)
			want := "/data/attributes/" + tc.pointer
			if tc.pointer == "id" {
				want = "/data/id"
			}
			if p := pointerOf(r); p != want || !strings.Contains(string(r.raw), tc.says) {
				t.Errorf("pointer %q, want %q, saying %q: %s", p, want, tc.says, r.raw)
			}
		})
	}
	if n := len(e.must(e.do("GET", idps, bootstrapToken, ""), 200).resources(t)); n != 1 {
		t.Errorf("%d providers after refused creates, want 1", n)
	}

	// Tenant isolation: another tenant's admin reads nothing here, and
	// the provider does not exist in another tenant.
	other := e.jwt("other", "olga", "tollgate:admin")
	e.must(e.do("GET", self, other, ""), 401)
	e.must(e.do("GET", idps, other, ""), 401)
	e.must(e.do("DELETE", self, other, ""), 401)
	e.must(e.do("GET", "/other/api/v1/entities/identityProviders/azuread", other, ""), 404)
	e.must(e.do("GET", "/other/api/v1/entities/identityProviders/azuread", acme, ""), 401)
	e.must(e.do("GET", self, e.jwt("acme", "bob", "orders:read"), ""), 403)

	e.must(e.do("DELETE", self, acme, ""), 204)
	e.must(e.do("GET", self, acme, ""), 404)
}

// With loopback allowed by the operator, a tenant admin's provider is
// discovered and created.
func TestIdentityProviderAllowedForTenantAdmin(t *testing.T) {
	pol, err := upstream.NewPolicy([]string{"127.0.0.1"})
	if err != nil {
		t.Fatal(err)
	}
	e := newEnvUpstreams(t, pol)
	issuer := discoveryServer(t)
	e.must(e.do("POST", "/acme/api/v1/entities/identityProviders", e.jwt("acme", "alice", "tollgate:admin"),
		idpBody("team", `"issuer":"`+issuer+`","clientId":"x"`)), 201)
	// On the default tenant's unprefixed paths too.
	e.must(e.do("POST", "/api/v1/entities/identityProviders", bootstrapToken,
		idpBody("team", `"issuer":"`+issuer+`","clientId":"x"`)), 201)
	e.must(e.do("GET", "/api/entities/identityProviders/team", bootstrapToken, ""), 200)
}

func toStrings(v any) []string {
	xs, _ := v.([]any)
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}
