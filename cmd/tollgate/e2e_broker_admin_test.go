package main

import (
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Token broker providers (issue 16) managed through the real server: the
// admin API, the CLI's appsettings import and the console page.

const brokerColl = "/api/v1/entities/brokerProviders"

// brokerDoc is a provider document; attrs are extra JSON attributes.
func brokerDoc(id, tokenURL, attrs string) string {
	return `{"data":{"type":"brokerProvider","id":"` + id + `","attributes":{"tokenUrl":"` + tokenURL +
		`","upstreamTenant":"contoso.onmicrosoft.com","clientId":"app-` + id + `","clientSecret":"secret-of-` + id +
		`","resource":"https://analysis.windows.net/powerbi/api"` + attrs + `}}}`
}

func brokerAttrs(t *testing.T, doc map[string]any) map[string]any {
	t.Helper()
	return doc["data"].(map[string]any)["attributes"].(map[string]any)
}

func TestBrokerProvidersAdminAPI(t *testing.T) {
	e := startServer(t, "")
	boss := e.tenantAdmin()
	azure := "https://login.microsoftonline.com/{tenantId}/oauth2/token"

	a := brokerAttrs(t, e.api("POST", brokerColl, brokerDoc("powerbi", azure,
		`,"grantType":"password","username":"pbi@contoso.com","password":"master-pw","allowedRoles":["reader"],"default":true`), 201))
	if a["tokenUrl"] != azure || a["upstreamTenant"] != "contoso.onmicrosoft.com" || a["grantType"] != "password" ||
		a["clientSecretSet"] != true || a["passwordSet"] != true || a["refreshBeforeSeconds"] != 300.0 || a["default"] != true ||
		strings.Join(toStrings(a["allowedRoles"]), " ") != "reader" {
		t.Fatalf("created %v", a)
	}
	// The secrets are never returned, in any answer.
	for _, path := range []string{brokerColl, brokerColl + "/powerbi"} {
		r := e.do("GET", path, "", "", "Bearer "+e.admin)
		if r.status != 200 || strings.Contains(r.raw, "secret-of-powerbi") || strings.Contains(r.raw, "master-pw") ||
			strings.Contains(r.raw, `"clientSecret":`) || strings.Contains(r.raw, `"password":`) {
			t.Fatalf("GET %s: %d %s", path, r.status, r.raw)
		}
	}
	stored, err := e.app.Store().GetBrokerProvider(t.Context(), "default", "powerbi")
	if err != nil {
		t.Fatal(err)
	}

	// A change that leaves the secrets out keeps them.
	a = brokerAttrs(t, e.apiAs(boss, "PATCH", brokerColl+"/powerbi",
		`{"data":{"type":"brokerProvider","id":"powerbi","attributes":{"refreshBeforeSeconds":60}}}`, 200))
	after, err := e.app.Store().GetBrokerProvider(t.Context(), "default", "powerbi")
	if err != nil || a["refreshBeforeSeconds"] != 60.0 || string(after.SealedClientSecret) != string(stored.SealedClientSecret) ||
		string(after.SealedPassword) != string(stored.SealedPassword) {
		t.Fatalf("after PATCH: %v, %v", a, err)
	}

	// Refusals, with the field at fault.
	for _, tc := range []struct {
		name, bearer, doc, want string
	}{
		{"http to another host", e.admin, brokerDoc("plain", "http://login.example/token", ""), "https"},
		{"unknown placeholder", e.admin, brokerDoc("ph", "https://login.example/{tenant}/token", ""), "only placeholder"},
		{"no secret", e.admin, strings.Replace(brokerDoc("nosecret", azure, ""), `"clientSecret":"secret-of-nosecret",`, "", 1), "clientSecret"},
		{"unknown role", e.admin, brokerDoc("norole", azure, `,"allowedRoles":["nope"]`), "nope"},
		{"tenant admin's private address", boss, brokerDoc("inside", "https://10.1.2.3/{tenantId}/token", ""), "--gateway-allow-upstream"},
		{"tenant admin's loopback", boss, brokerDoc("loop", "http://127.0.0.1:9/token", ""), "--gateway-allow-upstream"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e.refused(tc.bearer, "POST", brokerColl, tc.doc, 400, tc.want)
		})
	}
	// The operator may name an address inside, and http on loopback.
	e.api("POST", brokerColl, brokerDoc("inside", "https://10.1.2.3/{tenantId}/token", ""), 201)
	e.api("POST", brokerColl, brokerDoc("loop", "http://127.0.0.1:9/token", ""), 201)

	// One default per tenant: the new default takes the flag.
	e.api("POST", brokerColl, brokerDoc("second", azure, `,"default":true`), 201)
	if a := brokerAttrs(t, e.api("GET", brokerColl+"/powerbi", "", 200)); a["default"] != false {
		t.Errorf("the old default kept its flag: %v", a)
	}
	if d, err := e.app.Store().GetDefaultBrokerProvider(t.Context(), "default"); err != nil || d.ID != "second" {
		t.Errorf("default provider: %+v, %v", d, err)
	}

	e.apiAs(boss, "DELETE", brokerColl+"/powerbi", "", 204)
	e.api("GET", brokerColl+"/powerbi", "", 404)
}

// TestBrokerFromAppSettings imports the Power BI sample's file as it is,
// and refuses bad ones without creating anything.
func TestBrokerFromAppSettings(t *testing.T) {
	useAdminServer(t)
	id, a := attrsOf(t, mustRun(t, "", "broker", "create", "powerbi", "--tenant", "acme", "-o", "json",
		"--from-appsettings", "testdata/appsettings.json", "--default"))
	if id != "powerbi" || a["tokenUrl"] != "https://login.microsoftonline.com/{tenantId}/oauth2/token" ||
		a["upstreamTenant"] != "72f988bf-86f1-41af-91ab-2d7cd011db47" || a["grantType"] != domain.BrokerGrantClientCredentials ||
		a["clientId"] != "4f0b6b9e-2c1d-4a57-9e43-8c3f0d2a7b11" || a["resource"] != "https://analysis.windows.net/powerbi/api" ||
		a["clientSecretSet"] != true || a["passwordSet"] != false || a["default"] != true {
		t.Fatalf("imported %v", a)
	}
	out := mustRun(t, "", "broker", "list", "--tenant", "acme")
	if !strings.Contains(out, "powerbi") || !strings.Contains(out, "CLIENTSECRETSET") || strings.Contains(out, "Zx8Q~") {
		t.Errorf("broker list printed %q", out)
	}

	sample, err := os.ReadFile("testdata/appsettings.json")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	for i, tc := range []struct{ name, from, to, want string }{
		{"missing key", `"ClientSecret"`, `"Secret"`, "ClientSecret is missing"},
		{"sample placeholder", `"72f988bf-86f1-41af-91ab-2d7cd011db47"`, `"[Enter Tenant Id]"`, "AppTenantId still holds"},
		{"unknown placeholder", `{AppTenantId}`, `{Tenant}`, "AuthTokenUrl has the unknown placeholder {Tenant}"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name+".json")
			if err := os.WriteFile(path, []byte(strings.Replace(string(sample), tc.from, tc.to, 1)), 0o600); err != nil {
				t.Fatal(err)
			}
			id := "bad" + string(rune('a'+i))
			if _, err := run(t, "", "broker", "create", id, "--tenant", "acme", "--from-appsettings", path); err == nil ||
				!strings.Contains(err.Error(), tc.want) {
				t.Fatalf("got %v, want an error saying %q", err, tc.want)
			}
			if _, err := run(t, "", "broker", "get", id, "--tenant", "acme"); err == nil {
				t.Fatal("a refused file created a provider")
			}
		})
	}

	// Flags override the file; update sends only the flags given.
	_, a = attrsOf(t, mustRun(t, "new-secret\n", "broker", "update", "powerbi", "--tenant", "acme", "-o", "json",
		"--refresh-before", "120", "--client-secret-stdin"))
	if a["refreshBeforeSeconds"] != 120.0 || a["clientSecretSet"] != true || a["tokenUrl"] == "" {
		t.Errorf("after update: %v", a)
	}
	mustRun(t, "", "broker", "delete", "powerbi", "--tenant", "acme")
	if _, err := run(t, "", "broker", "get", "powerbi", "--tenant", "acme"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("after delete: %v", err)
	}
}

func TestBrokerConsolePage(t *testing.T) {
	e := startServer(t, "")
	b := e.consoleAdmin(t)
	if p := b.get("/console/"); !strings.Contains(p.body, `href="/console/broker"`) || !strings.Contains(p.body, "Token broker") {
		t.Fatalf("the menu lacks the token broker: %s", p.body)
	}
	if p := b.get("/console/broker"); p.status != http.StatusOK || !strings.Contains(p.body, "No broker provider yet") {
		t.Fatalf("empty list: %d %s", p.status, p.body)
	}
	// A tenant admin's token URL must resolve to a public address here;
	// an address literal keeps the test off DNS.
	form := url.Values{"id": {"powerbi"}, "tokenUrl": {"https://93.184.215.14/{tenantId}/oauth2/token"},
		"upstreamTenant": {"contoso.onmicrosoft.com"}, "grantType": {"client_credentials"}, "clientId": {"app"},
		"clientSecret": {"console-secret-1"}, "resource": {"https://analysis.windows.net/powerbi/api"},
		"allowedRoles": {"reader"}, "refreshBeforeSeconds": {"300"}, "default": {"true"}}
	// A refused form says why next to the field and stores nothing.
	bad := url.Values{}
	for k, v := range form {
		bad[k] = v
	}
	bad.Set("tokenUrl", "http://login.example/token")
	if p := b.consolePost("/console/broker", bad); p.status != http.StatusUnprocessableEntity || !strings.Contains(p.body, "https") {
		t.Fatalf("http token URL: %d %s", p.status, p.body)
	}
	p := b.consolePost("/console/broker", form)
	if p.status != http.StatusSeeOther || p.location != "/console/broker/powerbi?done=created" {
		t.Fatalf("add: %d %s %s", p.status, p.location, p.body)
	}
	p = b.get(p.location)
	if p.status != http.StatusOK || !strings.Contains(p.body, "was added") || strings.Contains(p.body, "console-secret-1") ||
		!strings.Contains(p.body, "One is stored") {
		t.Fatalf("edit page: %d %s", p.status, p.body)
	}
	stored, err := e.app.Store().GetBrokerProvider(t.Context(), "default", "powerbi")
	if err != nil || !stored.Default {
		t.Fatalf("stored: %+v, %v", stored, err)
	}
	// Saved with the secret left empty: the stored one stays.
	form.Del("clientSecret")
	form.Set("resource", "https://analysis.windows.net/powerbi/api/v2")
	if p := b.consolePost("/console/broker/powerbi", form); p.status != http.StatusSeeOther {
		t.Fatalf("save: %d %s", p.status, p.body)
	}
	after, err := e.app.Store().GetBrokerProvider(t.Context(), "default", "powerbi")
	if err != nil || after.Resource != "https://analysis.windows.net/powerbi/api/v2" ||
		string(after.SealedClientSecret) != string(stored.SealedClientSecret) {
		t.Fatalf("after save: %+v, %v", after, err)
	}
	if p := b.get("/console/broker"); !strings.Contains(p.body, `href="/console/broker/powerbi"`) {
		t.Fatalf("list: %s", p.body)
	}
	if p := b.consolePost("/console/broker/powerbi/delete", url.Values{}); p.status != http.StatusSeeOther {
		t.Fatalf("delete: %d %s", p.status, p.body)
	}
	if _, err := e.app.Store().GetBrokerProvider(t.Context(), "default", "powerbi"); err == nil {
		t.Fatal("still stored after delete")
	}
}
