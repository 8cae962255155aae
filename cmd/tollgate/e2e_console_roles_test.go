package main

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
)

// roleScopes reads role id's scopes through the admin API.
func (e *env) roleScopes(id string) []string {
	e.t.Helper()
	var out []string
	doc := e.api("GET", "/api/v1/entities/roles/"+id, "", 200)
	for _, s := range doc["data"].(map[string]any)["attributes"].(map[string]any)["scopes"].([]any) {
		out = append(out, s.(string))
	}
	return out
}

func TestConsoleRoles(t *testing.T) {
	e := startServer(t, "")
	b := e.consoleAdmin(t)

	p := b.consolePost("/console/scopes", url.Values{"id": {"reports:read"}, "description": {"Read reports"}})
	if p.status != http.StatusSeeOther || p.location != "/console/roles?done=scope-created" {
		t.Fatalf("create scope: %d %s", p.status, p.body)
	}
	if p := b.get(p.location); !strings.Contains(p.body, "Scope created.") ||
		!strings.Contains(p.body, `<th scope="row"><code>reports:read</code></th><td>Read reports</td>`) {
		t.Errorf("scopes after create: %s", p.body)
	}
	if p := b.consolePost("/console/scopes", url.Values{"id": {"reports:read"}}); p.status != http.StatusConflict ||
		!strings.Contains(p.body, `<small id="f-id-note" class="field-error">`) {
		t.Errorf("duplicate scope: %d %s", p.status, p.body)
	}

	// A role naming an unknown scope is refused with the API's message.
	p = b.consolePost("/console/roles", url.Values{"id": {"analyst"}, "scopes": {"reports:read nope"}})
	if p.status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.body, `<small id="role-scopes-note" class="field-error">unknown scope &#34;nope&#34;</small>`) ||
		!strings.Contains(p.body, `value="reports:read nope"`) {
		t.Fatalf("role with an unknown scope: %d %s", p.status, p.body)
	}
	if p := b.consolePost("/console/roles", url.Values{"id": {"analyst"}, "scopes": {"reports:read orders:read"}}); p.status != http.StatusSeeOther {
		t.Fatalf("create role: %d %s", p.status, p.body)
	}
	if got := e.roleScopes("analyst"); !slices.Equal(got, []string{"reports:read", "orders:read"}) && !slices.Equal(got, []string{"orders:read", "reports:read"}) {
		t.Errorf("role scopes %v", got)
	}

	// Edit the role's scopes; a bad edit shows its error in the role's row.
	if p := b.consolePost("/console/roles/analyst", url.Values{"scopes": {"missing:scope"}}); p.status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.body, `<small id="role-analyst-note" class="field-error">unknown scope &#34;missing:scope&#34;</small>`) {
		t.Errorf("bad role edit: %d %s", p.status, p.body)
	}
	if p := b.consolePost("/console/roles/analyst", url.Values{"scopes": {"reports:read"}}); p.status != http.StatusSeeOther ||
		p.location != "/console/roles?done=role-updated" {
		t.Fatalf("role edit: %d %s", p.status, p.body)
	}
	if got := e.roleScopes("analyst"); !slices.Equal(got, []string{"reports:read"}) {
		t.Errorf("role scopes after the edit: %v", got)
	}

	// A scope in use: the delete is refused with the counts; the forced
	// delete takes it from the role too.
	p = b.consolePost("/console/scopes/delete", url.Values{"id": {"reports:read"}})
	if p.status != http.StatusConflict || !strings.Contains(p.body, "is in use by 1 role</strong>, so it was not deleted.") ||
		!strings.Contains(p.body, "Remove it from them and delete") {
		t.Fatalf("delete a scope in use: %d %s", p.status, p.body)
	}
	if got := e.roleScopes("analyst"); len(got) != 1 {
		t.Fatalf("a refused delete changed the role: %v", got)
	}
	if p := b.consolePost("/console/scopes/delete", url.Values{"id": {"reports:read"}, "force": {"on"}}); p.status != http.StatusSeeOther {
		t.Fatalf("forced delete: %d %s", p.status, p.body)
	}
	if got := e.roleScopes("analyst"); len(got) != 0 {
		t.Errorf("the forced delete left the scope in the role: %v", got)
	}
	e.api("GET", "/api/v1/entities/scopes/reports:read", "", 404)

	// The built-in role stays; another role goes.
	if p := b.consolePost("/console/roles/admin/delete", url.Values{}); p.status != http.StatusUnprocessableEntity ||
		!strings.Contains(p.body, "the built-in role &#34;admin&#34; cannot be deleted") {
		t.Errorf("delete the admin role: %d %s", p.status, p.body)
	}
	if p := b.consolePost("/console/roles/analyst/delete", url.Values{}); p.status != http.StatusSeeOther || p.location != "/console/roles?done=role-deleted" {
		t.Errorf("delete role: %d %s", p.status, p.body)
	}
	e.api("GET", "/api/v1/entities/roles/analyst", "", 404)

	// A stale form changes nothing.
	if p := b.submit("/console/scopes", url.Values{"id": {"stale:scope"}, "csrf_token": {"old"}}); p.status != http.StatusForbidden {
		t.Errorf("stale CSRF token: %d", p.status)
	}
	e.api("GET", "/api/v1/entities/scopes/stale:scope", "", 404)
}
