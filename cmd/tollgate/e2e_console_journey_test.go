package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tollgate-dev/tollgate/internal/browsertest"
)

// journey drives the console in Chromium the way a person does: pages
// opened by URL or link, fields typed, buttons clicked. Every page it
// reaches is screenshotted, numbered in the order of the path.
type journey struct {
	t    *testing.T
	ctx  context.Context
	e    *env
	shot int
}

// open navigates to path and waits for sel on the page it ends at.
func (j *journey) open(path, sel string) {
	j.t.Helper()
	act(j.t, j.ctx, chromedp.Navigate(j.e.base+path), chromedp.WaitVisible(chromedp.CSS(sel)))
}

// typeIn types value into the empty field sel, as a keyboard would.
func (j *journey) typeIn(sel, value string) {
	j.t.Helper()
	act(j.t, j.ctx, chromedp.SendKeys(chromedp.CSS(sel), value))
}

// press clicks sel, which loads another page (a link or a form's
// button), waits until that page has loaded and shows then.
func (j *journey) press(sel, then string) {
	j.t.Helper()
	get(j.t, j.ctx, chromedp.Evaluate[bool](`window.journeyMark = true`))
	act(j.t, j.ctx, chromedp.Click(chromedp.CSS(sel)))
	for deadline := time.Now().Add(stepTimeout); ; time.Sleep(20 * time.Millisecond) {
		if get(j.t, j.ctx, chromedp.Evaluate[bool](`window.journeyMark === undefined && document.readyState === "complete"`)) {
			break
		}
		if time.Now().After(deadline) {
			j.t.Fatalf("pressing %s loaded no page", sel)
		}
	}
	act(j.t, j.ctx, chromedp.WaitVisible(chromedp.CSS(then)))
}

// toggle clicks sel, which changes the page without loading another
// (a checkbox, a disclosure), and waits for then.
func (j *journey) toggle(sel, then string) {
	j.t.Helper()
	act(j.t, j.ctx, chromedp.Click(chromedp.CSS(sel)), chromedp.WaitVisible(chromedp.CSS(then)))
}

// text is the text of sel.
func (j *journey) text(sel string) string {
	j.t.Helper()
	return get(j.t, j.ctx, chromedp.Text(chromedp.CSS(sel)))
}

// screenshot keeps the page as NN-name.png (make test: under
// test-output/screenshots/TestConsoleJourneyInChromium/).
func (j *journey) screenshot(name string) {
	j.t.Helper()
	j.shot++
	browsertest.Screenshot(j.t, j.ctx, fmt.Sprintf("%02d-%s", j.shot, name))
}

// signIn answers the sign-in page the console sent the browser to.
func (j *journey) signIn(username, password, then string) {
	j.t.Helper()
	j.typeIn("#username", username)
	j.typeIn("#password", password)
	j.press("form:has(#username) button[type=submit]", then)
}

// signOut signs the browser out through the tenant's logout page.
func (j *journey) signOut() {
	j.t.Helper()
	j.open("/oauth2/logout", "form button[type=submit]")
	j.press("form button[type=submit]", "main")
	j.open("/console/", "#username")
}

// TestConsoleJourneyInChromium is the path a new operator and a new
// developer take through the console, in a real Chromium: first-time
// setup with the bootstrap token; an admin created, who signs in; a
// scope, a role and a user; a CSV import with a bad row; an API; then
// the user registers an application, generates its secret and an access
// token, calls the API through the gateway with it, creates a 30-day API
// token and runs the analytics platform's snippet; and the admin sees
// both in the statistics. The browser reports no error or CSP violation.
func TestConsoleJourneyInChromium(t *testing.T) {
	ctx := browsertest.New(t)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, "report for "+r.Header.Get("X-Tollgate-Subject"))
	}))
	t.Cleanup(upstream.Close)
	cfg := testConfig(t, "")
	cfg.GatewayAllowUpstream = []string{"127.0.0.1"}
	e := startWith(t, cfg)
	j := &journey{t: t, ctx: ctx, e: e}

	// 1. First-time setup: the sign-in page takes the bootstrap token.
	j.open("/console/", "#username")
	j.toggle("details:has(#bootstrap_token) summary", "#bootstrap_token")
	j.screenshot("first-time-setup")
	j.typeIn("#bootstrap_token", e.admin)
	j.press("form:has(#bootstrap_token) button[type=submit]", "#user")
	if who := j.text("#user"); who != "the bootstrap token" {
		t.Fatalf("after first-time setup the console shows %q", who)
	}
	j.screenshot("overview-bootstrap")

	// 2. An admin, who then signs in instead of the bootstrap token.
	j.open("/console/new-user", "#f-id")
	j.typeIn("#f-id", "root")
	j.typeIn("#f-email", "root@example.com")
	act(t, ctx, chromedp.Click(chromedp.CSS(`input[name=roles][value=admin]`)))
	j.typeIn("#f-password", "root-password-1")
	j.screenshot("user-new")
	j.press(`form[action$="/new-user"] button[type=submit]`, ".flash")
	j.signOut()
	j.signIn("root", "root-password-1", "#user")
	if who := j.text("#user"); who != "root" {
		t.Fatalf("signed in as %q, want root", who)
	}
	j.screenshot("overview-admin")

	// 3. A scope, a role and a user; an import with a bad row; an API.
	j.open("/console/roles", `form[action$="/scopes"]`)
	j.typeIn(`form[action$="/scopes"] #f-id`, "reports:read")
	j.typeIn(`form[action$="/scopes"] #f-description`, "Read reports")
	j.press(`form[action$="/scopes"] button[type=submit]`, ".flash")
	j.typeIn("#role-id", "analyst")
	j.typeIn("#role-scopes", "reports:read")
	j.press(`form[action$="/roles"] button[type=submit]`, ".flash")
	j.screenshot("roles")
	j.open("/console/new-user", "#f-id")
	j.typeIn("#f-id", "sam")
	act(t, ctx, chromedp.Click(chromedp.CSS(`input[name=roles][value=analyst]`)))
	j.typeIn("#f-password", "sam-password-1")
	j.press(`form[action$="/new-user"] button[type=submit]`, ".flash")
	j.screenshot("user")

	csv := filepath.Join(t.TempDir(), "people.csv")
	if err := os.WriteFile(csv, []byte("username,email,roles\nkim,kim@example.com,analyst\nlee,not-an-email,analyst\nmo,mo@example.com,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	j.open("/console/import", "#f-file")
	act(t, ctx, chromedp.SetUploadFiles(chromedp.CSS("#f-file"), []string{csv}))
	j.press(`form[action$="/import"] button[type=submit]`, "#import-report")
	if report := j.text("main"); !strings.Contains(report, "lee") || !strings.Contains(report, "3") {
		t.Errorf("import report does not name the bad row: %s", report)
	}
	j.screenshot("import-report")
	e.api("GET", "/api/v1/entities/users/kim", "", 200)
	e.api("GET", "/api/v1/entities/users/lee", "", 404)

	j.open("/console/apis", `form[action$="/apis"]`)
	j.typeIn(`form[action$="/apis"] #f-id`, "reports")
	j.typeIn("#f-context", "/reports/v1")
	j.typeIn("#f-upstream", upstream.URL)
	j.typeIn("#f-resources", "GET /daily reports:read")
	j.press(`form[action$="/apis"] button[type=submit]`, ".flash")
	j.screenshot("api")

	// 4. The user: an application, its secret, an access token.
	j.signOut()
	j.signIn("sam", "sam-password-1", "#register-heading")
	j.typeIn("#f-name", "Sam's dashboards")
	act(t, ctx, chromedp.Click(chromedp.CSS(`input[name=scopes][value="reports:read"]`)))
	j.press(`form[action$="/my/apps"] button[type=submit]`, "#secret-heading")
	clientID := j.text("#client-id")
	j.press(`form[action$="/secret"] button[type=submit]`, `#secret-heading ~ .secret code`)
	clientSecret := j.text(`#secret-heading ~ .secret code`)
	j.screenshot("my-app-secret")
	act(t, ctx, chromedp.Click(chromedp.CSS(`input[name=scope][value="reports:read"]`)))
	j.press(`form[action$="/token"] button[type=submit]`, "#token-claims")
	accessToken := j.text("#secret-access-token")
	j.screenshot("my-app-token")
	if cc := e.post("/oauth2/token", url.Values{"grant_type": {"client_credentials"}}, clientID, clientSecret); cc.status != http.StatusOK {
		t.Errorf("the generated secret at the token endpoint: %d %s", cc.status, cc.raw)
	}

	// 5. The API through the gateway, with the generated token.
	req, _ := http.NewRequest(http.MethodGet, e.app.GatewayURL()+"/reports/v1/daily", nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(string(body), "report for ") {
		t.Fatalf("gateway with the console's token: %d %s", resp.StatusCode, body)
	}

	// 6. A 30-day API token, and the analytics platform's snippet.
	j.open("/console/my/tokens", "#create-heading")
	j.typeIn(`form[action$="/my/tokens"] #f-id`, "sam-cli")
	act(t, ctx, chromedp.SetValue(chromedp.CSS("#f-expiresAt"), "30d"))
	j.press(`form[action$="/my/tokens"] button[type=submit]`, "#created-heading")
	j.screenshot("my-api-token")
	if expires := j.text("main"); !strings.Contains(expires, time.Now().UTC().AddDate(0, 0, 30).Format("2006-01-02")) {
		t.Errorf("the API token's expiry is not 30 days from now: %s", expires)
	}
	var got struct{ Status int }
	awaitJS(t, ctx, strings.Replace(snippet, "john.doe", "sam", 1)+`.then(r => ({Status: r.status}))`, &got)
	if got.Status != http.StatusCreated {
		t.Fatalf("the snippet on a console page: %d", got.Status)
	}

	// 7. The admin sees both in the statistics.
	j.signOut()
	j.signIn("root", "root-password-1", "#user")
	j.open("/console/stats", "#tokens-total")
	if stats := j.text("main"); !strings.Contains(stats, clientID) {
		t.Errorf("the statistics do not list the user's application %s: %s", clientID, stats)
	}
	if tokens := j.text("#api-token-use"); !strings.HasPrefix(strings.Join(strings.Fields(tokens), " "), "Tokens 2 ") {
		t.Errorf("API-token use %q, want the two tokens", tokens)
	}
	j.screenshot("stats")
	// Every admin page, at 1280×800 and on a 390-px phone, without
	// sideways scrolling.
	for _, width := range []int64{1280, 390} {
		act(t, ctx, chromedp.EmulateViewport(width, 800))
		for _, page := range []string{"users", "import", "roles", "apps", "apis", "embed", "idps", "keys", "audit", "stats", ""} {
			j.open("/console/"+page, "main h1")
			if w := get(t, ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`)); w > width {
				t.Errorf("/console/%s at %d px is %d px wide", page, width, w)
			}
			j.screenshot(fmt.Sprintf("%s-%dpx", cmp.Or(page, "overview"), width))
		}
	}
	browsertest.Settle(t, ctx)
	browsertest.CheckNoProblems(t, ctx)
}
