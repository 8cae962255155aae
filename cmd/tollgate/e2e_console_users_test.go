package main

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// The console's Users and Import pages (issue 15), through the real
// server as an admin's browser uses them.

// userRows are the IDs of the users a user-list page shows, in order.
func userRows(t testing.TB, p *page) []string {
	t.Helper()
	if p.status != http.StatusOK {
		t.Fatalf("user list: %d %q %.500s", p.status, p.location, p.body)
	}
	var ids []string
	for _, m := range regexp.MustCompile(`<tr><td><a href="[^"]*">([^<]*)</a></td>`).FindAllStringSubmatch(p.body, -1) {
		ids = append(ids, htmlUnescape(m[1]))
	}
	return ids
}

// rowOf is the table row of the list that shows user id.
func rowOf(t testing.TB, p *page, id string) string {
	t.Helper()
	m := regexp.MustCompile(`<tr><td><a href="[^"]*">` + regexp.QuoteMeta(id) + `</a></td>.*</tr>`).FindString(p.body)
	if m == "" {
		t.Fatalf("no row of %s in %.2000s", id, p.body)
	}
	return m
}

// wantDone checks that a console form answered with a redirect to to,
// and returns the page it leads to.
func (b *browser) wantDone(p *page, to string) *page {
	b.t.Helper()
	if p.status != http.StatusSeeOther || p.location != to {
		b.t.Fatalf("want a redirect to %s, got %d %q %.1500s", to, p.status, p.location, p.body)
	}
	return b.get(p.location)
}

// fieldError is the error the page shows next to field name.
func fieldError(p *page, name string) string { return fieldErrors(p)[name] }

// mainOf is the page's own content, without the layout around it, for
// the messages of failed tests.
func mainOf(p *page) string {
	_, m, _ := strings.Cut(p.body, "<main>")
	m, _, _ = strings.Cut(m, "</main>")
	return fmt.Sprintf("%d %q %s", p.status, p.location, m)
}

func userAttrs(e *env, id string) map[string]any {
	return attrs(e.api("GET", "/api/v1/entities/users/"+id, "", 200))
}

func TestConsoleUsers(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		b := e.consoleAdmin(t)
		for i := range 55 {
			e.api("POST", "/api/v1/entities/users", fmt.Sprintf(`{"data":{"type":"user","id":"user%02d","attributes":{"email":"u%d@example.com"}}}`, i, i), 201)
		}
		e.api("PATCH", "/api/v1/entities/users/john.doe", `{"data":{"type":"user","id":"john.doe","attributes":{"displayName":"John Doe","email":"john@example.com"}}}`, 200)

		t.Run("list, search and paging", func(t *testing.T) {
			first := b.get("/console/users")
			ids := userRows(t, first)
			if len(ids) != 50 || ids[0] != "ada" || ids[1] != "john.doe" || ids[49] != "user47" {
				t.Fatalf("first page: %d users %v", len(ids), ids)
			}
			if row := rowOf(t, first, "john.doe"); !strings.Contains(row, "<td>John Doe</td><td>john@example.com</td><td>reader</td><td>local</td><td></td>") {
				t.Errorf("john.doe's row: %s", row)
			}
			next := regexp.MustCompile(`<a href="([^"]+)" rel="next">`).FindStringSubmatch(first.body)
			if next == nil || htmlUnescape(next[1]) != "/console/users?after=user47&q=" {
				t.Fatalf("next link: %v", next)
			}
			if ids := userRows(t, b.get(htmlUnescape(next[1]))); len(ids) != 7 || ids[0] != "user48" || ids[6] != "user54" {
				t.Errorf("second page: %v", ids)
			}
			if ids := userRows(t, b.get("/console/users?q=user1")); len(ids) != 10 || ids[0] != "user10" || ids[9] != "user19" {
				t.Errorf("search user1: %v", ids)
			}
			// IDs are stored lower case: the search is too.
			if ids := userRows(t, b.get("/console/users?q=JOHN")); len(ids) != 1 || ids[0] != "john.doe" {
				t.Errorf("search JOHN: %v", ids)
			}
			if p := b.get("/console/users?q=zz"); len(userRows(t, p)) != 0 || !strings.Contains(p.body, "No user's ID starts with “zz”.") {
				t.Errorf("search without a match: %s", mainOf(p))
			}
		})

		t.Run("create with a password", func(t *testing.T) {
			p := b.wantDone(b.consolePost("/console/new-user", url.Values{"id": {"Carol"}, "email": {"carol@example.com"},
				"displayName": {"Carol C"}, "roles": {"reader"}, "signin": {"password"}, "password": {"carol-password-1"}}),
				"/console/users/carol?done=created")
			if p.status != http.StatusOK || !strings.Contains(p.body, "The user was created.") || !strings.Contains(p.body, `<strong id="user-source">local</strong>`) {
				t.Fatalf("new user's page: %s", mainOf(p))
			}
			if a := userAttrs(e, "carol"); a["email"] != "carol@example.com" || a["displayName"] != "Carol C" || fmt.Sprint(a["roles"]) != "[reader]" {
				t.Errorf("carol: %v", a)
			}
			if r := e.post("/token", passwordForm("carol", "carol-password-1"), e.clientID, e.clientSecret); r.status != 200 {
				t.Errorf("carol's password grant: %d %s", r.status, r.raw)
			}
		})

		t.Run("create an SSO user", func(t *testing.T) {
			p := b.wantDone(b.consolePost("/console/new-user", url.Values{"id": {"dave"}, "signin": {"sso"}}),
				"/console/users/dave?done=created")
			if !strings.Contains(p.body, "Password: none") {
				t.Errorf("dave's page: %s", mainOf(p))
			}
			if a := userAttrs(e, "dave"); a["source"] != "local" || fmt.Sprint(a["roles"]) != "[]" {
				t.Errorf("dave: %v", a)
			}
			p = b.consolePost("/console/new-user", url.Values{"id": {"frank"}, "signin": {"sso"}, "password": {"frank-password-1"}})
			if p.status != http.StatusUnprocessableEntity || !strings.HasPrefix(fieldError(p, "password"), "An SSO user has no password") {
				t.Errorf("an SSO user with a password: %d %q", p.status, fieldError(p, "password"))
			}
		})

		t.Run("validation errors next to the field", func(t *testing.T) {
			api := e.apiAs(e.admin, "POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"erin","attributes":{"email":"nope"}}}`, 400)
			detail := api["errors"].([]any)[0].(map[string]any)["detail"].(string)
			p := b.consolePost("/console/new-user", url.Values{"id": {"erin"}, "email": {"nope"}, "signin": {"sso"}})
			if got := fieldError(p, "email"); p.status != http.StatusUnprocessableEntity || got == "" || !strings.HasSuffix(detail, got) {
				t.Errorf("bad email: %d, next to the field %q, the API says %q", p.status, got, detail)
			}
			if !strings.Contains(p.body, `value="erin"`) {
				t.Error("the form lost what was typed")
			}
			p = b.consolePost("/console/new-user", url.Values{"id": {"erin"}, "roles": {"reader", "ghost"}, "signin": {"sso"}})
			if got := fieldError(p, "roles"); got != `unknown role "ghost"` {
				t.Errorf("unknown role: %d %q", p.status, got)
			}
			p = b.consolePost("/console/new-user", url.Values{"id": {"erin"}, "signin": {"password"}})
			if got := fieldError(p, "password"); !strings.HasPrefix(got, "is required") {
				t.Errorf("no password: %q", got)
			}
			p = b.consolePost("/console/new-user", url.Values{"id": {"john.doe"}, "signin": {"sso"}})
			if got := fieldError(p, "id"); p.status != http.StatusConflict || !strings.Contains(got, "already exists") {
				t.Errorf("existing id: %d %q", p.status, got)
			}
			e.api("GET", "/api/v1/entities/users/erin", "", 404)
		})

		t.Run("edit roles", func(t *testing.T) {
			b.wantDone(b.consolePost("/console/users/carol", url.Values{"email": {"carol@example.org"}, "displayName": {"Carol C"},
				"roles": {"reader", "admin"}}), "/console/users/carol?done=saved")
			if a := userAttrs(e, "carol"); fmt.Sprint(a["roles"]) != "[reader admin]" || a["email"] != "carol@example.org" {
				t.Errorf("carol after the edit: %v", a)
			}
			p := b.get("/console/users/carol")
			if !strings.Contains(p.body, `value="admin" checked`) || !strings.Contains(p.body, `value="reader" checked`) {
				t.Errorf("the form does not show the new roles: %s", mainOf(p))
			}
			p = b.consolePost("/console/users/carol", url.Values{"email": {"carol"}, "roles": {"reader"}})
			if fieldError(p, "email") == "" || fmt.Sprint(userAttrs(e, "carol")["roles"]) != "[reader admin]" {
				t.Errorf("a bad edit: %d %q, roles %v", p.status, fieldError(p, "email"), userAttrs(e, "carol")["roles"])
			}
		})

		t.Run("disable and enable", func(t *testing.T) {
			b.wantDone(b.consolePost("/console/users/carol/disable", url.Values{}), "/console/users/carol?done=disabled")
			if userAttrs(e, "carol")["disabled"] != true {
				t.Fatal("carol is not disabled")
			}
			if r := e.post("/token", passwordForm("carol", "carol-password-1"), e.clientID, e.clientSecret); r.status != 400 {
				t.Errorf("a disabled user's password grant: %d", r.status)
			}
			if row := rowOf(t, b.get("/console/users?q=carol"), "carol"); !strings.HasSuffix(row, "<td>yes</td></tr>") {
				t.Errorf("the list does not show carol disabled: %s", row)
			}
			b.wantDone(b.consolePost("/console/users/carol/enable", url.Values{}), "/console/users/carol?done=enabled")
			if userAttrs(e, "carol")["disabled"] != false {
				t.Fatal("carol is still disabled")
			}
		})

		t.Run("reset the password", func(t *testing.T) {
			if p := b.consolePost("/console/users/carol/password", url.Values{"password": {"short"}}); p.status != http.StatusUnprocessableEntity ||
				fieldError(p, "password") != "must be at least 8 characters long" {
				t.Errorf("a short password: %d %q", p.status, fieldError(p, "password"))
			}
			b.wantDone(b.consolePost("/console/users/carol/password", url.Values{"password": {"carol-new-password"}}),
				"/console/users/carol?done=password")
			if r := e.post("/token", passwordForm("carol", "carol-new-password"), e.clientID, e.clientSecret); r.status != 200 {
				t.Errorf("the new password: %d %s", r.status, r.raw)
			}
			if r := e.post("/token", passwordForm("carol", "carol-password-1"), e.clientID, e.clientSecret); r.status != 400 {
				t.Errorf("the old password: %d", r.status)
			}
		})

		t.Run("unlock", func(t *testing.T) {
			for range 10 {
				e.post("/token", passwordForm("carol", "guess"), e.clientID, e.clientSecret)
			}
			if r := e.post("/token", passwordForm("carol", "carol-new-password"), e.clientID, e.clientSecret); !strings.Contains(r.str("error_description"), "temporarily limited") {
				t.Fatalf("past the limit: %d %s", r.status, r.raw)
			}
			b.wantDone(b.consolePost("/console/users/carol/unlock", url.Values{}), "/console/users/carol?done=unlocked")
			if r := e.post("/token", passwordForm("carol", "carol-new-password"), e.clientID, e.clientSecret); r.status != 200 {
				t.Errorf("after the unlock: %d %s", r.status, r.raw)
			}
		})

		t.Run("revoke an API token and end a session", func(t *testing.T) {
			tok := e.createAPIToken(e.admin, "john.doe", "ci-token", "")
			john := e.browser(t)
			john.consoleSignIn("/console/", "john.doe", "s3cret-pw")
			if p := john.get("/console/"); p.status != http.StatusSeeOther || !strings.Contains(p.location, "/my/") {
				t.Fatalf("john's console: %d %q", p.status, p.location)
			}
			p := b.get("/console/users/john.doe")
			if !strings.Contains(p.body, "<td>ci-token</td>") {
				t.Fatalf("no token on john's page: %s", mainOf(p))
			}
			end := regexp.MustCompile(`action="(/console/users/john.doe/sessions/[^"]+/delete)"`).FindAllStringSubmatch(p.body, -1)
			if len(end) != 1 {
				t.Fatalf("john's sessions: %v", end)
			}
			b.wantDone(b.consolePost("/console/users/john.doe/tokens/ci-token/delete", url.Values{}), "/console/users/john.doe?done=token-revoked")
			e.apiAs(tok, "GET", "/api/v1/entities/users/john.doe", "", 401)
			b.wantDone(b.consolePost(htmlUnescape(end[0][1]), url.Values{}), "/console/users/john.doe?done=session-ended")
			if p := john.get("/console/"); p.status != http.StatusSeeOther || !strings.Contains(p.location, "/oauth2/authorize?") {
				t.Errorf("john after his session ended: %d %q", p.status, p.location)
			}
			p = b.get("/console/users/john.doe")
			if strings.Contains(p.body, "ci-token") || !strings.Contains(p.body, "No API tokens.") || !strings.Contains(p.body, "No live sessions.") {
				t.Errorf("john's page after the revocations: %s", mainOf(p))
			}
		})

		t.Run("delete", func(t *testing.T) {
			p := b.get("/console/users/dave")
			if !strings.Contains(p.body, `data-confirm="Delete the user dave? This cannot be undone."`) {
				t.Errorf("delete asks no confirmation: %s", mainOf(p))
			}
			p = b.wantDone(b.consolePost("/console/users/dave/delete", url.Values{}), "/console/users?done=deleted")
			if !strings.Contains(p.body, "The user was deleted.") {
				t.Errorf("no flash after delete: %s", mainOf(p))
			}
			e.api("GET", "/api/v1/entities/users/dave", "", 404)
			if p := b.get("/console/users/dave"); p.status != http.StatusNotFound {
				t.Errorf("a deleted user's page: %d", p.status)
			}
		})
	})
}

// TestConsoleUsersRefused: a user who administers nothing gets the 403
// page, and a form whose CSRF token is stale, or that another site sent,
// changes nothing.
func TestConsoleUsersRefused(t *testing.T) {
	e := startServer(t, "")
	john := e.browser(t)
	john.consoleSignIn("/console/", "john.doe", "s3cret-pw")
	for _, path := range []string{"/console/users", "/console/new-user", "/console/users/john.doe", "/console/import"} {
		if p := john.get(path); p.status != http.StatusForbidden || !strings.Contains(p.body, "This page is for the tenant&#39;s administrators") {
			t.Errorf("%s for a non-admin: %d %.300s", path, p.status, p.body)
		}
	}
	if p := john.consolePost("/console/users/john.doe", url.Values{"roles": {"admin"}}); p.status != http.StatusForbidden {
		t.Errorf("a non-admin's edit: %d", p.status)
	}

	b := e.consoleAdmin(t)
	stale := url.Values{"csrf_token": {"stale-token-from-another-page"}}
	for path, form := range map[string]url.Values{
		"/console/new-user":              {"id": {"mallory"}, "signin": {"sso"}},
		"/console/users/john.doe":        {"roles": {"admin"}},
		"/console/users/john.doe/delete": {},
		"/console/import":                {},
	} {
		for k, v := range stale {
			form[k] = v
		}
		if p := b.submit(path, form); p.status != http.StatusForbidden || !strings.Contains(p.body, "This form expired or was sent from another site") {
			t.Errorf("%s with a stale token: %d %.300s", path, p.status, p.body)
		}
	}
	// The right token from another site.
	req := b.consoleRequest(t, "/console/users/john.doe/delete", "application/x-www-form-urlencoded", nil)
	req.Header.Set("Sec-Fetch-Site", "cross-site")
	req.Header.Set("Origin", "https://evil.example")
	if resp := b.do(t, req); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a cross-site delete: %d", resp.StatusCode)
	}
	upload := b.uploadRequest(t, "users.csv", "username\nmallory\n")
	upload.Header.Set("Sec-Fetch-Site", "cross-site")
	upload.Header.Set("Origin", "https://evil.example")
	if resp := b.do(t, upload); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a cross-site upload: %d", resp.StatusCode)
	}
	e.api("GET", "/api/v1/entities/users/mallory", "", 404)
	if a := userAttrs(e, "john.doe"); fmt.Sprint(a["roles"]) != "[reader]" {
		t.Errorf("john.doe changed: %v", a)
	}
}

// TestConsoleUserNamedNew: the create form is off the users' namespace,
// so a user whose id is "new" has a page like anyone else.
func TestConsoleUserNamedNew(t *testing.T) {
	e := startServer(t, "")
	e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"new","attributes":{"email":"new@example.com"}}}`, 201)
	b := e.consoleAdmin(t)
	if p := b.get("/console/users/new"); p.status != http.StatusOK || !strings.Contains(p.body, "new@example.com") {
		t.Errorf("user new: %d %s", p.status, mainOf(p))
	}
}
