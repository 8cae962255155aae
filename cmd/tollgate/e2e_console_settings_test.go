package main

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// TestConsoleIdps: a provider is added, edited, disabled and deleted from
// the console; a validation error shows beside its field and stores
// nothing; the client secret is never rendered.
func TestConsoleIdps(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		// The bootstrap session may name this very server as the issuer.
		b := e.consoleBootstrap(t)
		e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"corp","attributes":{"name":"Corp"}}}`, 201)
		const secret = "corp-client-secret-0123456789"
		form := url.Values{"id": {"corp"}, "displayName": {"Corp"}, "issuer": {"not a url"}, "clientId": {"shop"},
			"clientSecret": {secret}, "scopes": {"openid email"}, "usernameClaim": {"email"}, "enabled": {"true"}}
		bad := b.consolePost("/console/idps", form)
		if bad.status != http.StatusUnprocessableEntity || !strings.Contains(bad.body, `id="f-issuer-note" class="field-error"`) ||
			strings.Contains(bad.body, secret) {
			t.Fatalf("bad issuer: %d %s", bad.status, bad.body)
		}
		if list := e.api("GET", "/api/v1/entities/identityProviders", "", 200); len(list["data"].([]any)) != 0 {
			t.Fatalf("a refused provider was stored: %v", list)
		}
		form.Set("issuer", e.base+"/corp")
		if p := b.consolePost("/console/idps", form); p.status != http.StatusSeeOther || p.location != "/console/idps/corp?done=created" {
			t.Fatalf("add: %d %q %s", p.status, p.location, p.body)
		}
		edit := b.get("/console/idps/corp?done=created")
		if edit.status != http.StatusOK || !strings.Contains(edit.body, "was added") || !strings.Contains(edit.body, "A secret is stored") ||
			strings.Contains(edit.body, secret) {
			t.Fatalf("edit page: %d %s", edit.status, edit.body)
		}
		// Saving without a secret keeps the stored one.
		form.Del("id")
		form.Set("displayName", "Corp SSO")
		form.Set("clientSecret", "")
		if p := b.consolePost("/console/idps/corp", form); p.status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", p.status, p.body)
		}
		got := attrs(e.api("GET", "/api/v1/entities/identityProviders/corp", "", 200))
		if got["displayName"] != "Corp SSO" || got["clientSecretSet"] != true || got["enabled"] != true {
			t.Errorf("after the edit: %v", got)
		}
		if p := b.consolePost("/console/idps/corp", url.Values{"displayName": {"x"}, "issuer": {e.base + "/corp"}, "clientId": {"shop"},
			"scopes": {"email"}, "usernameClaim": {"email"}}); p.status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.body, `id="f-scopes-note" class="field-error"`) {
			t.Errorf("scopes without openid: %d", p.status)
		}
		if p := b.consolePost("/console/idps/corp/enabled", url.Values{"enabled": {"false"}}); p.status != http.StatusSeeOther {
			t.Fatalf("disable: %d", p.status)
		}
		if list := b.get("/console/idps?done=disabled"); !strings.Contains(list.body, "<strong>disabled</strong>") || strings.Contains(list.body, secret) {
			t.Errorf("list after disabling: %s", list.body)
		}
		if got := attrs(e.api("GET", "/api/v1/entities/identityProviders/corp", "", 200)); got["enabled"] != false || got["displayName"] != "Corp SSO" {
			t.Errorf("after disabling: %v", got)
		}
		if p := b.consolePost("/console/idps/corp/delete", url.Values{}); p.status != http.StatusSeeOther {
			t.Fatalf("delete: %d", p.status)
		}
		e.api("GET", "/api/v1/entities/identityProviders/corp", "", 404)
	})
}

// TestConsoleKeys: rotating to ES256 from the console makes an ES256 key
// active, on the page and in the JWKS; the old key stays, retiring.
func TestConsoleKeys(t *testing.T) {
	e := startServer(t, "")
	b := e.consoleAdmin(t) // its sign-in made the first key
	if p := b.consolePost("/console/keys/rotate", url.Values{"alg": {"HS256"}}); p.status != http.StatusBadRequest ||
		!strings.Contains(p.body, `class="form-error"`) {
		t.Errorf("HS256: %d %s", p.status, p.body)
	}
	p := b.consolePost("/console/keys/rotate", url.Values{"alg": {"ES256"}})
	if p.status != http.StatusSeeOther || p.location != "/console/keys?done=rotated" {
		t.Fatalf("rotate: %d %q %s", p.status, p.location, p.body)
	}
	keys := b.get(p.location)
	if !strings.Contains(keys.body, "<td>ES256</td><td>access and ID tokens</td>") || !strings.Contains(keys.body, "retiring, published until") ||
		!strings.Contains(keys.body, `<option value="ES256" selected>`) {
		t.Errorf("keys page: %s", keys.body)
	}
	if strings.Contains(keys.body, "PRIVATE") || strings.Contains(keys.body, `"d":`) {
		t.Error("a private key on the page")
	}
	jwks := e.do("GET", "/oauth2/jwks", "", "", "")
	if !strings.Contains(jwks.raw, `"alg":"ES256"`) {
		t.Errorf("JWKS: %s", jwks.raw)
	}
}

// TestConsoleTenants: the bootstrap session searches tenants by id prefix
// a page at a time, creates, renames, caps and deletes one (only with
// its id typed), and reaches every tenant's console; a tenant admin may
// not manage tenants.
func TestConsoleTenants(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		for i := range 60 {
			e.api("POST", "/api/v1/entities/tenants", fmt.Sprintf(`{"data":{"type":"tenant","id":"t-%02d","attributes":{"name":"T %d"}}}`, i, i), 201)
		}
		b := e.consoleBootstrap(t)
		first := b.get("/console/tenants?q=t-")
		m := nextLink.FindStringSubmatch(first.body)
		if n := tableRows(first.body, "tenants"); first.status != http.StatusOK || n != 50 || m == nil {
			t.Fatalf("search: %d, %d rows, next %v", first.status, n, m)
		}
		if !strings.Contains(first.body, `<a href="/t-00/console/">`) {
			t.Error("no link to a tenant's console")
		}
		second := b.get(htmlUnescape(m[1]))
		if n := tableRows(second.body, "tenants"); n != 10 || nextLink.MatchString(second.body) || !strings.Contains(second.body, ">t-59<") {
			t.Errorf("second page: %d rows", n)
		}
		if p := b.get("/console/tenants?q=t-5"); tableRows(p.body, "tenants") != 10 {
			t.Errorf("q=t-5: %d rows", tableRows(p.body, "tenants"))
		}

		if p := b.consolePost("/console/tenants", url.Values{"id": {"Bad Id"}, "name": {"x"}}); p.status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.body, `id="f-id-note" class="field-error"`) {
			t.Errorf("bad id: %d", p.status)
		}
		if p := b.consolePost("/console/tenants", url.Values{"id": {"newco"}, "name": {"New"}}); p.status != http.StatusSeeOther ||
			p.location != "/console/tenants/newco?done=created" {
			t.Fatalf("create: %d %q %s", p.status, p.location, p.body)
		}
		if p := b.consolePost("/console/tenants", url.Values{"id": {"newco"}, "name": {"Again"}}); p.status != http.StatusConflict {
			t.Errorf("create twice: %d", p.status)
		}
		if p := b.consolePost("/console/tenants/newco", url.Values{"name": {"NewCo"}, "apiTokenMaxTtl": {"-5"}}); p.status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.body, `id="f-apiTokenMaxTtl-note" class="field-error"`) {
			t.Errorf("negative cap: %d", p.status)
		}
		if p := b.consolePost("/console/tenants/newco", url.Values{"name": {"NewCo"}, "apiTokenMaxTtl": {"3600"}}); p.status != http.StatusSeeOther {
			t.Fatalf("rename and cap: %d %s", p.status, p.body)
		}
		if got := attrs(e.api("GET", "/api/v1/entities/tenants/newco", "", 200)); got["name"] != "NewCo" || got["apiTokenMaxTtl"] != float64(3600) {
			t.Errorf("after the update: %v", got)
		}
		wrong := b.consolePost("/console/tenants/newco/delete", url.Values{"confirm": {"t-00"}})
		if wrong.status != http.StatusUnprocessableEntity || !strings.Contains(wrong.body, `id="f-confirm-note" class="field-error"`) ||
			!strings.Contains(wrong.body, `value="NewCo"`) {
			t.Errorf("wrong confirmation: %d %s", wrong.status, wrong.body)
		}
		e.api("GET", "/api/v1/entities/tenants/newco", "", 200)
		e.api("GET", "/api/v1/entities/tenants/t-00", "", 200)
		if p := b.consolePost("/console/tenants/newco/delete", url.Values{"confirm": {"newco"}}); p.status != http.StatusSeeOther ||
			p.location != "/console/tenants?done=deleted" {
			t.Fatalf("delete: %d %q", p.status, p.location)
		}
		e.api("GET", "/api/v1/entities/tenants/newco", "", 404)

		// The bootstrap session reaches another tenant's console and pages.
		if p := b.get("/t-07/console/"); p.status != http.StatusOK || !strings.Contains(p.body, `<span id="tenant-name">T 7</span>`) {
			t.Errorf("/t-07/console/: %d", p.status)
		}
		if p := b.get("/t-07/console/keys"); p.status != http.StatusOK {
			t.Errorf("/t-07/console/keys: %d", p.status)
		}

		// A tenant admin is not the operator.
		ada := e.consoleAdmin(t)
		if p := ada.get("/console/tenants?q=t-"); p.status != http.StatusForbidden || strings.Contains(p.body, "t-00") {
			t.Errorf("tenants as a tenant admin: %d", p.status)
		}
		if p := ada.consolePost("/console/tenants", url.Values{"id": {"sneaky"}}); p.status != http.StatusForbidden {
			t.Errorf("create as a tenant admin: %d", p.status)
		}
		e.api("GET", "/api/v1/entities/tenants/sneaky", "", 404)
	})
}
