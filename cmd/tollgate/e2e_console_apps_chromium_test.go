package main

import (
	"fmt"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tollgate-dev/tollgate/internal/browsertest"
)

// TestConsoleAppsInChromium drives the application, roles, APIs and embed
// pages in a real browser at 1280×800 and on a 390-px phone: they load
// under the console's CSP without a problem, the form works from the
// keyboard, and no page is wider than the screen.
func TestConsoleAppsInChromium(t *testing.T) {
	ctx := browsertest.New(t)
	e := startServer(t, "")
	e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"ada","attributes":{"password":"ada-password-1","roles":["admin"]}}}`, 201)
	e.createOrdersAPI("https://orders.example.com")

	act(t, ctx, chromedp.Navigate(e.base+"/console/apps/new"), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "ada"), chromedp.SendKeys(chromedp.ID("password"), "ada-password-1"),
		chromedp.Click(chromedp.CSS("button[type=submit]")), chromedp.WaitVisible(chromedp.ID("f-name")))

	// Fill in the form by keyboard: the name, then submit with Enter.
	act(t, ctx, chromedp.Click(chromedp.ID("f-name")), chromedp.SendKeys(chromedp.ID("f-name"), "Reports backend\r"),
		chromedp.WaitVisible(chromedp.ID("secret-client")))
	if s := get(t, ctx, chromedp.Text(chromedp.ID("secret-client"))); !strings.HasPrefix(s, "tgs_") {
		t.Fatalf("the new application's secret: %q", s)
	}
	browsertest.Screenshot(t, ctx, "console-app-created")

	for _, width := range []int64{1280, 390} {
		act(t, ctx, chromedp.EmulateViewport(width, 800))
		for _, path := range []string{"/console/apps", "/console/roles", "/console/apis", "/console/apis/orders?method=GET&path=/orders/v1/items/42", "/console/embed"} {
			act(t, ctx, chromedp.Navigate(e.base+path), chromedp.WaitVisible(chromedp.CSS("main h1")))
			if w := get(t, ctx, chromedp.Evaluate[int64](`document.documentElement.scrollWidth`)); w > width {
				t.Errorf("%s at %dpx is %dpx wide", path, width, w)
			}
			name := strings.NewReplacer("/console/", "console-", "/", "-", "?", "-", "&", "-", "=", "-").Replace(path)
			browsertest.Screenshot(t, ctx, fmt.Sprintf("%s-%d", name, width))
		}
	}
	browsertest.CheckNoProblems(t, ctx)
}
