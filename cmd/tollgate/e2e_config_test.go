package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Configuration as code end to end: a tenant exported from one server
// and applied to an empty one comes out the same; applying again changes
// nothing; a dry run changes nothing; a bad file changes nothing and
// says where it is wrong.

// configTenant fills tenant acme with one of everything a document
// holds.
func (e *env) configTenant() {
	e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"acme","attributes":{"name":"Acme","apiTokenMaxTtl":86400}}}`, 201)
	e.api("POST", "/acme/api/v1/entities/scopes", `{"data":{"type":"scope","id":"orders:read","attributes":{"description":"Read orders"}}}`, 201)
	e.api("POST", "/acme/api/v1/entities/scopes", `{"data":{"type":"scope","id":"orders:write"}}`, 201)
	e.api("POST", "/acme/api/v1/entities/roles", `{"data":{"type":"role","id":"clerk","attributes":{"scopes":["orders:read","orders:write"]}}}`, 201)
	e.api("POST", "/acme/api/v1/entities/apis", `{"data":{"type":"api","id":"orders","attributes":{"context":"/orders/v1",
		"upstream":"https://93.184.216.34","resources":[{"method":"GET","path":"/items/{id}","scopes":["orders:read"]}]}}}`, 201)
	e.api("POST", "/acme/api/v1/entities/applications", `{"data":{"type":"application","attributes":{"name":"Backend","clientId":"acme-backend",
		"grantTypes":["client_credentials","`+domain.GrantTokenExchange+`"],"scopes":["orders:read"],"requireDpop":true,
		"tokenExchange":{"allowedSubjectIssuers":["self"],"allowImpersonation":false,"allowedAudiences":["https://orders.example.com"]}}}}`, 201)
	e.api("POST", "/acme/api/v1/entities/embedSettings/secret", "", 200)
	e.api("PATCH", "/acme/api/v1/entities/embedSettings", `{"data":{"type":"embedSettings","id":"acme","attributes":{"enabled":true,"scopes":["orders:read"]}}}`, 200)
}

func (e *env) exportConfig(tenant string) string {
	e.t.Helper()
	r := e.do("GET", prefix(tenant)+"/api/v1/actions/config/export", "", "", "Bearer "+e.admin)
	if r.status != http.StatusOK {
		e.t.Fatalf("export: %d %s", r.status, r.raw)
	}
	return r.raw
}

func (e *env) applyConfig(tenant, query, doc string) *response {
	e.t.Helper()
	return e.do("POST", prefix(tenant)+"/api/v1/actions/config/apply"+query, "application/json", doc, "Bearer "+e.admin)
}

func changesOf(t *testing.T, r *response) []any {
	t.Helper()
	if r.status != http.StatusOK {
		t.Fatalf("apply: %d %s", r.status, r.raw)
	}
	c, _ := r.body["changes"].([]any)
	return c
}

func TestConfigAsCode(t *testing.T) {
	forEachStore(t, func(t *testing.T, src *env) {
		src.configTenant()
		exported := src.exportConfig("acme")
		for _, secret := range []string{"clientSecret\"", src.clientSecret, "embedSecret"} {
			if strings.Contains(exported, secret) {
				t.Fatalf("the export holds a secret (%s): %s", secret, exported)
			}
		}

		dst := startServer(t, "")
		seq := func() int64 {
			n, err := dst.app.Store().FeedPosition(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
		r := dst.applyConfig("acme", "", exported)
		if n := len(changesOf(t, r)); n < 6 {
			t.Fatalf("apply on an empty server made %d changes: %s", n, r.raw)
		}
		secrets, _ := r.body["secrets"].([]any)
		if len(secrets) != 2 || !strings.HasPrefix(secrets[0].(map[string]any)["secret"].(string), "tgs_") {
			t.Fatalf("the created application's secret, shown once: %s", r.raw)
		}
		if again := dst.exportConfig("acme"); again != exported {
			t.Fatalf("export → apply → export differs:\n%s\n%s", exported, again)
		}

		before := seq()
		if c := changesOf(t, dst.applyConfig("acme", "", exported)); len(c) != 0 {
			t.Fatalf("a second apply changed %v", c)
		}
		if seq() != before {
			t.Fatal("a second apply wrote change events")
		}

		var doc map[string]any
		_ = json.Unmarshal([]byte(exported), &doc)
		doc["scopes"] = append(doc["scopes"].([]any), map[string]any{"id": "reports:read"})
		doc["applications"].([]any)[0].(map[string]any)["name"] = "Backend v2"
		edited, _ := json.Marshal(doc)
		dry := changesOf(t, dst.applyConfig("acme", "?dryRun=true", string(edited)))
		if len(dry) != 2 || dst.exportConfig("acme") != exported || seq() != before {
			t.Fatalf("dry run: %v; the tenant changed: %v", dry, dst.exportConfig("acme") != exported)
		}

		// A bad item after a good one: the error names the item and its
		// field, and the good one is not stored either.
		doc["applications"] = append(doc["applications"].([]any), map[string]any{"id": "broken", "name": "x", "grantTypes": []string{"telepathy"}})
		bad, _ := json.Marshal(doc)
		r = dst.applyConfig("acme", "", string(bad))
		errs, _ := r.body["errors"].([]any)
		if r.status != http.StatusBadRequest || len(errs) != 1 ||
			errs[0].(map[string]any)["source"].(map[string]any)["pointer"] != "/applications/1/grantTypes" ||
			!strings.Contains(errs[0].(map[string]any)["detail"].(string), `"broken"`) {
			t.Fatalf("a bad item: %d %s", r.status, r.raw)
		}
		if dst.exportConfig("acme") != exported || seq() != before {
			t.Fatal("a refused file changed the tenant")
		}
		for name, body := range map[string]string{
			"not an object":   `[1]`,
			"unknown member":  `{"tenant":"acme","users":[]}`,
			"another tenant":  `{"tenant":"beta"}`,
			"duplicate ids":   `{"scopes":[{"id":"a"},{"id":"a"}]}`,
			"scopes not list": `{"scopes":{"id":"a"}}`,
		} {
			if r := dst.applyConfig("acme", "", body); r.status != http.StatusBadRequest {
				t.Errorf("%s: %d %s", name, r.status, r.raw)
			}
		}

		// Prune: a role the file no longer lists goes; built-ins stay.
		doc = map[string]any{}
		_ = json.Unmarshal([]byte(exported), &doc)
		doc["roles"] = []any{}
		pruned, _ := json.Marshal(doc)
		c := changesOf(t, dst.applyConfig("acme", "?prune=true", string(pruned)))
		if len(c) != 1 || c[0].(map[string]any)["op"] != "delete" || c[0].(map[string]any)["id"] != "clerk" {
			t.Fatalf("prune: %v", c)
		}
		dst.api("GET", "/acme/api/v1/entities/roles/admin", "", 200)

		// "apis:" with its items commented out is absent, not empty:
		// --prune deletes no API.
		if c := changesOf(t, dst.applyConfig("acme", "?prune=true", `{"tenant":"acme","apis":null}`)); len(c) != 0 {
			t.Fatalf("a null collection pruned: %v", c)
		}
		for name, tc := range map[string]struct{ doc, pointer string }{
			// An address in a file obeys the tenant admin's rule, even
			// applied with the bootstrap token: an export carries no
			// operator approval.
			"a loopback upstream": {`{"tenant":"acme","apis":[{"id":"internal","context":"/internal","upstream":"http://127.0.0.1:9"}]}`, "/apis/0/upstream"},
			"no grant type left":  {`{"tenant":"acme","applications":[{"id":"acme-backend","grantTypes":[]}]}`, "/applications/0/grantTypes"},
		} {
			r := dst.applyConfig("acme", "", tc.doc)
			errs, _ := r.body["errors"].([]any)
			if r.status != http.StatusBadRequest || len(errs) != 1 || errs[0].(map[string]any)["source"].(map[string]any)["pointer"] != tc.pointer {
				t.Errorf("%s: %d %s", name, r.status, r.raw)
			}
		}

		// A client deleted and created again under its id does not get
		// its predecessor's refresh tokens back.
		id, secret := "svc-again", strings.Repeat("x", 40)
		app := `{"data":{"type":"application","id":"` + id + `","attributes":{"name":"again","clientSecret":"` + secret + `","grantTypes":["password","refresh_token"],"scopes":["orders:read"]}}}`
		dst.api("POST", "/acme/api/v1/entities/users", `{"data":{"type":"user","id":"ann","attributes":{"password":"ann-password-1","roles":["admin"]}}}`, 201)
		dst.api("POST", "/acme/api/v1/entities/applications", app, 201)
		rt := dst.post("/acme/oauth2/token", map[string][]string{"grant_type": {"password"}, "username": {"ann"}, "password": {"ann-password-1"}}, id, secret).str("refresh_token")
		dst.api("DELETE", "/acme/api/v1/entities/applications/"+id, "", 204)
		time.Sleep(time.Second) // the new client is younger by a whole second
		dst.api("POST", "/acme/api/v1/entities/applications", app, 201)
		if r := dst.post("/acme/oauth2/token", map[string][]string{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, id, secret); r.str("error") != "invalid_grant" {
			t.Errorf("a refresh token of the previous client of the id: %d %s", r.status, r.raw)
		}

	})
}

// TestConfigPrechecks: the network checks of a document's addresses run
// before the transaction, once each: an identity provider whose
// discovery takes a second is asked once, not again with the write lock
// held.
func TestConfigPrechecks(t *testing.T) {
	var hits atomic.Int32
	var issuer string
	idp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/.well-known/openid-configuration" {
			http.NotFound(w, r)
			return
		}
		hits.Add(1)
		time.Sleep(time.Second)
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": issuer, "authorization_endpoint": issuer + "/authorize",
			"token_endpoint": issuer + "/token", "jwks_uri": issuer + "/jwks"})
	}))
	defer idp.Close()
	issuer = idp.URL
	cfg := testConfig(t, "")
	cfg.GatewayAllowUpstream = []string{"127.0.0.1"}
	e := startWith(t, cfg)
	doc := `{"tenant":"default","identityProviders":[{"id":"slow","issuer":"` + issuer + `","clientId":"tollgate","enabled":true}]}`
	if c := changesOf(t, e.applyConfig("", "", doc)); len(c) != 1 {
		t.Fatalf("changes %v", c)
	}
	if n := hits.Load(); n != 1 {
		t.Fatalf("discovery asked %d times, want once (before the transaction)", n)
	}
	// Unchanged, the issuer is not asked again: no write will check it.
	if c := changesOf(t, e.applyConfig("", "", doc)); len(c) != 0 || hits.Load() != 1 {
		t.Fatalf("a second apply: changes %v, discovery asked %d times in all", c, hits.Load())
	}
}
