package main

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tollgate-dev/tollgate/internal/browsertest"
)

// snippet is the analytics platform's browser snippet, verbatim but for
// the user id, and what the test reads of its answer.
const snippet = `fetch('/api/entities/users/john.doe/apiTokens', {method:'POST', body: JSON.stringify({data:{id:'mynewtoken',type:'apiToken'}}), headers:{'Content-type':'application/vnd.gooddata.api+json'}})`

// TestAPITokenSnippetInChromium: signed in to the console, the snippet
// pasted into the devtools console of its page creates an API token with
// the session cookie, and the browser reports no problem. (A page of another origin can send only CORS-simple
// requests, which the admin API's media type refuses anyway; the origin
// rule is pinned by TestCookieCallsMustBeSameOrigin.)
func TestAPITokenSnippetInChromium(t *testing.T) {
	ctx := browsertest.New(t)
	e := startServer(t, "")
	// The console sends the browser through sign-in as its own client,
	// then back to its page, whose CSP lets it call its own origin.
	act(t, ctx, chromedp.Navigate(e.base+"/console/"), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "john.doe"), chromedp.SendKeys(chromedp.ID("password"), "s3cret-pw"),
		chromedp.Click(chromedp.CSS("button[type=submit]")), chromedp.WaitVisible(chromedp.ID("user")))
	if u := get(t, ctx, chromedp.Location()); u != e.base+"/console/my/apps" {
		t.Fatalf("after sign-in the browser is at %s, want the console's developer portal", u)
	}
	if rules := get(t, ctx, chromedp.Evaluate[int](`document.styleSheets[0].cssRules.length`)); rules < 300 {
		t.Errorf("console stylesheet: %d rules, want the vendored Pico.css", rules)
	}
	browsertest.Screenshot(t, ctx, "console-overview")
	var got struct {
		Status int
		Token  string
	}
	awaitJS(t, ctx, snippet+`.then(async r => ({Status: r.status, Token: (await r.json()).data.attributes.bearerToken}))`, &got)
	if got.Status != http.StatusCreated || !strings.HasPrefix(got.Token, "tgp_") {
		t.Fatalf("snippet: %+v", got)
	}
	e.apiAs(got.Token, "GET", "/api/v1/entities/users/john.doe", "", 200)
	browsertest.Settle(t, ctx)
	browsertest.CheckNoProblems(t, ctx)
}

// TestCookieCallsMustBeSameOrigin: the admin API takes the session cookie
// only from this server's own origin.
func TestCookieCallsMustBeSameOrigin(t *testing.T) {
	e := startServer(t, "")
	b := e.browser(t)
	f := b.get("/login").fields()
	f.Set("username", "john.doe")
	f.Set("password", "s3cret-pw")
	if p := b.submit("/login", f); p.status != http.StatusOK {
		t.Fatalf("sign-in: %d", p.status)
	}
	call := func(id string, header map[string]string) int {
		req, _ := http.NewRequest(http.MethodPost, e.base+"/api/v1/entities/users/john.doe/apiTokens",
			strings.NewReader(`{"data":{"id":"`+id+`","type":"apiToken"}}`))
		req.Header.Set("Content-Type", "application/vnd.api+json")
		for k, v := range header {
			req.Header.Set(k, v)
		}
		resp, err := b.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for _, c := range []struct {
		id     string
		header map[string]string
		want   int
	}{
		{"no-origin", nil, http.StatusForbidden},
		{"cross-site", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, http.StatusForbidden},
		{"same-site", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "http://127.0.0.1:1"}, http.StatusForbidden},
		{"other-origin", map[string]string{"Origin": "http://localhost:8080"}, http.StatusForbidden},
		{"same-origin", map[string]string{"Sec-Fetch-Site": "same-origin"}, http.StatusCreated},
		{"origin", map[string]string{"Origin": e.base}, http.StatusCreated},
	} {
		if got := call(c.id, c.header); got != c.want {
			t.Errorf("%s: %d, want %d", c.id, got, c.want)
		}
	}
	list := e.api("GET", "/api/v1/entities/users/john.doe/apiTokens", "", 200)
	if n := len(list["data"].([]any)); n != 2 {
		t.Errorf("%d tokens, want the 2 same-origin ones", n)
	}
	// The session is john.doe, with his roles: no admin of the tenant.
	req, _ := http.NewRequest(http.MethodGet, e.base+"/api/v1/entities/users", nil)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	if resp, err := b.client.Do(req); err != nil || resp.StatusCode != http.StatusForbidden {
		t.Errorf("a user's session listed the users: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
}

// awaitJS runs JavaScript whose value is a promise and decodes what it
// resolves to into out.
func awaitJS(t *testing.T, ctx context.Context, js string, out any) {
	t.Helper()
	raw := get(t, ctx, chromedp.Evaluate[[]byte](js, chromedp.EvalAwaitPromise))
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("browser: decoding %s: %v", raw, err)
	}
}
