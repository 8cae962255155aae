package main

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"
)

// consoleBootstrap is a browser in a first-time setup session, opened on
// the default tenant's sign-in page with the bootstrap token.
func (e *env) consoleBootstrap(t testing.TB) *browser {
	t.Helper()
	b := e.browser(t)
	login := b.get(b.get(b.get("/console/").location).location)
	f := login.fields()
	f.Set("bootstrap_token", e.admin)
	if p := b.submit("/login", f); p.status != http.StatusSeeOther || p.location != "/console/" {
		t.Fatalf("bootstrap sign-in: %d %q", p.status, p.location)
	}
	return b
}

// eventually gets path until its body contains every one of want, for up
// to 3 s: audit events, and the counters kept from them, are written in
// batches every 200 ms.
func (b *browser) eventually(path string, want ...string) *page {
	b.t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		p := b.get(path)
		missing := ""
		for _, w := range want {
			if !strings.Contains(p.body, w) {
				missing = w
				break
			}
		}
		if p.status == http.StatusOK && missing == "" {
			return p
		}
		if time.Now().After(deadline) {
			b.t.Fatalf("%s: %d, still without %q:\n%s", path, p.status, missing, p.body)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// tableRows counts the rows of the table with id in a page's body.
func tableRows(body, id string) int {
	i := strings.Index(body, `id="`+id+`"`)
	if i < 0 {
		return 0
	}
	table := body[i:]
	table = table[:strings.Index(table, "</table>")]
	return strings.Count(table, "<tr>\n<td>") + strings.Count(table, "<tr><td>")
}

// buckets counts the rows of the token chart's table.
func buckets(body string) int {
	table := body[strings.Index(body, "chart-tokens-data"):]
	return strings.Count(table[:strings.Index(table, "</table>")], `<tr><th scope="row">`)
}

var nextLink = regexp.MustCompile(`<a href="([^"]+)" rel="next">`)

// TestConsoleOpsOverview: the overview counts the tenant's users,
// applications and APIs, charts the tokens of the last 24 hours from the
// JSON it embeds, and lists top applications and refusals; its data
// pages are for admins only.
func TestConsoleOpsOverview(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		b := e.consoleAdmin(t)
		for range 3 {
			e.passwordToken("")
		}
		bad := e.post("/token", url.Values{"grant_type": {"password"}, "username": {"john.doe"}, "password": {"wrong"}}, e.clientID, e.clientSecret)
		if bad.status != http.StatusBadRequest {
			t.Fatalf("wrong password: %d", bad.status)
		}
		// 4: ada's own sign-in to the console issued one too.
		p := b.eventually("/console/", `<span id="tokens-total">4</span>`, "invalid_grant")
		for id, want := range map[string]string{"count-users": "2", "count-applications": "1", "count-apis": "0"} {
			if !strings.Contains(p.body, `id="`+id+`">`+want+`<`) {
				t.Errorf("%s: want %s in %s", id, want, p.body)
			}
		}
		// The chart's data: a series per grant, 24 hours, this one last.
		m := regexp.MustCompile(`<script type="application/json" id="chart-tokens-data">([^<]*)</script>`).FindStringSubmatch(p.body)
		if m == nil || !regexp.MustCompile(`\{"label":"password","values":\[(0,){23}3\]\}`).MatchString(m[1]) ||
			!regexp.MustCompile(`\{"label":"authorization_code","values":\[(0,){23}1\]\}`).MatchString(m[1]) {
			t.Errorf("chart data: %v", m)
		}
		if !strings.Contains(p.body, `/static/console-assets/charts.js`) || tableRows(p.body, "chart-tokens") != 0 {
			t.Errorf("chart script missing")
		}
		if !strings.Contains(p.body, `client=`+e.clientID+`">`+e.clientID+`</a></td><td>3</td>`) {
			t.Errorf("top applications: %s", p.body)
		}
		if csp := p.header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'self'") || strings.Contains(csp, "unsafe") {
			t.Errorf("CSP %q", csp)
		}
		// A user who administers nothing gets the 403 page on every admin page.
		john := e.browser(t)
		john.consoleSignIn("/console/my/apps", "john.doe", "s3cret-pw")
		for _, path := range []string{"/console/stats", "/console/audit", "/console/idps", "/console/idps/new",
			"/console/keys", "/console/tenants"} {
			if p := john.get(path); p.status != http.StatusForbidden || strings.Contains(p.body, "invalid_grant") {
				t.Errorf("%s as a non-admin: %d", path, p.status)
			}
		}
		if p := john.consolePost("/console/keys/rotate", url.Values{"alg": {"ES256"}}); p.status != http.StatusForbidden {
			t.Errorf("rotate as a non-admin: %d", p.status)
		}
	})
}

// TestConsoleStats: tokens by hour and by day, by grant and application,
// and registered users per application after two users got tokens
// through one application.
func TestConsoleStats(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		b := e.consoleAdmin(t)
		e.passwordToken("")
		e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"mary","attributes":{"password":"mary-password-1"}}}`, 201)
		if r := e.post("/token", url.Values{"grant_type": {"password"}, "username": {"mary"}, "password": {"mary-password-1"}}, e.clientID, e.clientSecret); r.status != 200 {
			t.Fatalf("mary's token: %d %s", r.status, r.raw)
		}
		if r := e.post("/token", url.Values{"grant_type": {"client_credentials"}}, e.clientID, e.clientSecret); r.status != 200 {
			t.Fatalf("client_credentials: %d %s", r.status, r.raw)
		}
		users := `client=` + e.clientID + `">` + e.clientID + `</a></td><td>2</td>`
		// 4 with ada's sign-in to the console (authorization_code).
		p := b.eventually("/console/stats", `<span id="tokens-total">4</span>`, users)
		if !strings.Contains(p.body, `grant=password">password</a></td><td>2</td>`) ||
			!strings.Contains(p.body, `grant=client_credentials">client_credentials</a></td><td>1</td>`) {
			t.Errorf("by grant: %s", p.body)
		}
		// By hour (default 7 days): 168 buckets; by day over 30 days: 30.
		if n := buckets(p.body); n != 7*24 {
			t.Errorf("hourly buckets: %d", n)
		}
		day := b.get("/console/stats?bucket=day&days=30")
		if day.status != http.StatusOK || !strings.Contains(day.body, `<span id="tokens-total">4</span>`) {
			t.Fatalf("by day: %d %s", day.status, day.body)
		}
		if n := buckets(day.body); n != 30 {
			t.Errorf("daily buckets: %d", n)
		}
		// A range before the tokens shows none of them.
		old := b.get("/console/stats?bucket=day&days=7&until=2020-01-31")
		if old.status != http.StatusOK || !strings.Contains(old.body, `<span id="tokens-total">0</span>`) ||
			!strings.Contains(old.body, "2020-01-25 00:00 UTC to 2020-02-01 00:00 UTC") {
			t.Errorf("old range: %d %s", old.status, old.body)
		}
		for _, q := range []string{"bucket=week", "bucket=hour&days=365", "until=yesterday"} {
			if p := b.get("/console/stats?" + q); p.status != http.StatusBadRequest {
				t.Errorf("stats?%s: %d", q, p.status)
			}
		}
		if !strings.Contains(p.body, `id="api-token-use"`) {
			t.Error("no API-token use")
		}
	})
}

// TestConsoleAudit: the audit log filters by outcome, action and client,
// and pages by its cursor, keeping the filters.
func TestConsoleAudit(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		b := e.consoleAdmin(t)
		other, otherSecret := e.createApp("", `"grantTypes":["client_credentials"]`)
		for range 55 {
			if r := e.post("/token", url.Values{"grant_type": {"client_credentials"}}, e.clientID, e.clientSecret); r.status != 200 {
				t.Fatal(r.raw)
			}
		}
		e.post("/token", url.Values{"grant_type": {"client_credentials"}}, other, otherSecret)
		e.post("/token", url.Values{"grant_type": {"client_credentials"}}, other, "wrong-secret")
		e.auditEvents("/api/v1/audit?action=token", 57)

		fails := b.get("/console/audit?outcome=failure")
		if n := tableRows(fails.body, "audit-events"); n != 1 || !strings.Contains(fails.body, "invalid_client") {
			t.Errorf("outcome=failure: %d rows: %s", n, fails.body)
		}
		byClient := b.get("/console/audit?client=" + other)
		if n := tableRows(byClient.body, "audit-events"); n != 2 {
			t.Errorf("client filter: %d rows", n)
		}
		changes := b.get("/console/audit?action=application.create")
		if n := tableRows(changes.body, "audit-events"); n != 2 || strings.Contains(changes.body, ">token<") {
			t.Errorf("action filter: %d rows", n)
		}
		// Paging: 57 successful token events (the two clients', and ada's
		// sign-in to the console), 50 a page; the next link keeps the filters.
		first := b.get("/console/audit?action=token&outcome=success")
		m := nextLink.FindStringSubmatch(first.body)
		if n := tableRows(first.body, "audit-events"); n != 50 || m == nil {
			t.Fatalf("first page: %d rows, next %v", n, m)
		}
		next := htmlUnescape(m[1])
		if !strings.Contains(next, "outcome=success") || !strings.Contains(next, "action=token") {
			t.Errorf("next link lost the filters: %s", next)
		}
		second := b.get(next)
		if n := tableRows(second.body, "audit-events"); n != 7 || nextLink.MatchString(second.body) {
			t.Errorf("second page: %d rows", n)
		}
		if p := b.get("/console/audit?since=yesterday"); p.status != http.StatusUnprocessableEntity ||
			!strings.Contains(p.body, `id="f-since-note" class="field-error"`) {
			t.Errorf("bad since: %d", p.status)
		}
		if p := b.get("/console/audit?after=garbage"); p.status != http.StatusUnprocessableEntity {
			t.Errorf("bad cursor: %d", p.status)
		}
	})
}
