package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
	"golang.org/x/oauth2"

	"github.com/tollgate-dev/tollgate/internal/browsertest"
)

// TestSignInInChromium drives the sign-in pages in a real, headless
// Chromium (issue 14): the page renders with its stylesheet under its
// strict CSP, a wrong password shows an error by the fields, the right one
// reaches the client's redirect URI with a code that x/oauth2 exchanges;
// a third-party app's consent page is answered with a click; the form
// fits a phone's screen; and the browser reports no error, exception or
// CSP violation along the way. TOLLGATE_SCREENSHOTS=DIR keeps a PNG of
// each page.
func TestSignInInChromium(t *testing.T) {
	ctx := browsertest.New(t)
	e := startServer(t, "")
	cb := newCallback(t)
	conf := e.webAppTo("confidential", cb.url)
	verifier := oauth2.GenerateVerifier()
	authURL := conf.AuthCodeURL("st4te", oauth2.S256ChallengeOption(verifier))

	// The sign-in page, styled.
	act(t, ctx, chromedp.Navigate(authURL), chromedp.WaitVisible(chromedp.ID("username")))
	if title := get(t, ctx, chromedp.Title()); !strings.HasPrefix(title, "Sign in · ") {
		t.Errorf("title %q, want Sign in · <tenant>", title)
	}
	if lead := get(t, ctx, chromedp.Text(chromedp.CSS(".lead"))); lead != "to continue to web app" {
		t.Errorf("lead %q", lead)
	}
	if rules := get(t, ctx, chromedp.Evaluate[int](`document.styleSheets.length === 1 ? document.styleSheets[0].cssRules.length : -1`)); rules < 10 {
		t.Errorf("stylesheet: %d rules, want the sign-in CSS", rules)
	}
	if bg := get(t, ctx, chromedp.Evaluate[string](`getComputedStyle(document.querySelector("button[type=submit]")).backgroundColor`)); bg != "rgb(36, 87, 197)" {
		t.Errorf("button background %q, want the accent colour of signin.css", bg)
	}
	browsertest.Screenshot(t, ctx, "signin")

	// A wrong password: the message by the fields, the username kept, the
	// focus on the password.
	act(t, ctx, chromedp.SendKeys(chromedp.ID("username"), "john.doe"), chromedp.SendKeys(chromedp.ID("password"), "wrong-pw"),
		chromedp.Click(chromedp.CSS("button[type=submit]")), chromedp.WaitVisible(chromedp.CSS(`[role=alert]`)))
	if msg := get(t, ctx, chromedp.Text(chromedp.CSS(`[role=alert]`))); msg != "Wrong username or password." {
		t.Errorf("alert %q", msg)
	}
	var form struct {
		Username, Password, Focus, Described, Invalid string
		Gap                                           float64 // from the alert's bottom to the username label's top
	}
	evaluate(t, ctx, `(() => {
		const alert = document.querySelector("[role=alert]").getBoundingClientRect();
		const label = document.querySelector("label[for=username]").getBoundingClientRect();
		const u = document.getElementById("username"), p = document.getElementById("password");
		const attrs = name => u.getAttribute(name) + " " + p.getAttribute(name);
		return {Username: u.value, Password: p.value, Focus: document.activeElement.id,
			Described: attrs("aria-describedby"), Invalid: attrs("aria-invalid"), Gap: label.top - alert.bottom};
	})()`, &form)
	if form.Username != "john.doe" || form.Password != "" || form.Focus != "password" ||
		form.Described != "form-error form-error" || form.Invalid != "true true" {
		t.Errorf("form after a wrong password: %+v", form)
	}
	if form.Gap < 0 || form.Gap > 60 {
		t.Errorf("the alert is %.0fpx from the fields, want it right above them", form.Gap)
	}
	browsertest.Screenshot(t, ctx, "signin-error")

	// The right one: back at the client with a code that works.
	act(t, ctx, chromedp.SendKeys(chromedp.ID("password"), "s3cret-pw"), chromedp.Click(chromedp.CSS("button[type=submit]")))
	q := cb.next(t, ctx)
	if q.Get("code") == "" || q.Get("state") != "st4te" || q.Get("iss") != e.base {
		t.Fatalf("callback got %v", q)
	}
	exchange(t, conf, q.Get("code"), verifier)

	// A third-party app: the consent page (the browser is signed in), Allow.
	third := e.webAppTo("confidential", cb.url)
	e.api("PATCH", "/api/v1/entities/applications/"+third.ClientID,
		`{"data":{"type":"application","id":"`+third.ClientID+`","attributes":{"firstParty":false}}}`, 200)
	act(t, ctx, chromedp.Navigate(third.AuthCodeURL("c0nsent", oauth2.S256ChallengeOption(verifier), oauth2.SetAuthURLParam("scope", "openid orders:read"))),
		chromedp.WaitVisible(chromedp.CSS(`button[value=approve]`)))
	if h1 := get(t, ctx, chromedp.Text(chromedp.CSS("h1"))); h1 != "Allow access?" {
		t.Errorf("consent page heading %q", h1)
	}
	if scopes := get(t, ctx, chromedp.Text(chromedp.CSS(".scopes"))); !strings.Contains(scopes, "orders:read") {
		t.Errorf("consent page scopes %q", scopes)
	}
	browsertest.Screenshot(t, ctx, "consent")
	act(t, ctx, chromedp.Click(chromedp.CSS(`button[value=approve]`)))
	if q := cb.next(t, ctx); q.Get("code") == "" || q.Get("state") != "c0nsent" {
		t.Fatalf("callback after Allow got %v", q)
	}

	// A phone, signed out: the form fits the screen's width, and its
	// button shows above where the keyboard opens.
	phone := browsertest.NewTab(t, ctx, chromedp.WithNewBrowserContext())
	act(t, phone, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch),
		chromedp.Navigate(authURL), chromedp.WaitVisible(chromedp.ID("username")))
	var fit struct{ ScrollWidth, InnerWidth, InnerHeight, Right, Bottom float64 }
	evaluate(t, phone, `(() => {
		const b = document.querySelector("button[type=submit]").getBoundingClientRect();
		return {ScrollWidth: document.documentElement.scrollWidth, InnerWidth: innerWidth, InnerHeight: innerHeight,
			Right: b.right, Bottom: b.bottom};
	})()`, &fit)
	if fit.InnerWidth != 390 || fit.ScrollWidth > fit.InnerWidth || fit.Right > fit.InnerWidth {
		t.Errorf("on a 390px phone: %+v, want no horizontal scrolling", fit)
	}
	if fit.Bottom > 0.6*fit.InnerHeight {
		t.Errorf("on a phone the button ends at %.0fpx of %.0fpx, under an on-screen keyboard", fit.Bottom, fit.InnerHeight)
	}
	browsertest.Screenshot(t, phone, "signin-phone")

	// Readable in both colour schemes (WCAG AA: 4.5:1 for text, 3:1 for
	// a field's border).
	for _, scheme := range []string{"light", "dark"} {
		act(t, phone, colourScheme(scheme))
		var c map[string]float64
		evaluate(t, phone, contrastJS, &c)
		if c["text"] < 4.5 || c["muted"] < 4.5 || c["button"] < 4.5 || c["field"] < 3 {
			t.Errorf("%s scheme: contrast ratios %v", scheme, c)
		}
		browsertest.Screenshot(t, phone, "signin-phone-"+scheme)
	}

	// Nothing went wrong in the browser.
	browsertest.Settle(t, ctx)
	browsertest.Settle(t, phone)
	browsertest.CheckNoProblems(t, ctx)
}

// callback is the client's redirect URI: it records each query it gets.
type callback struct {
	url     string
	queries chan url.Values
}

func newCallback(t *testing.T) *callback {
	cb := &callback{queries: make(chan url.Values, 4)}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/callback" {
			w.WriteHeader(http.StatusNoContent) // favicon.ico and the like
			return
		}
		cb.queries <- r.URL.Query()
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_, _ = w.Write([]byte(`<!doctype html><html lang="en"><title>client</title><p id="done">back at the client</p></html>`))
	}))
	t.Cleanup(srv.Close)
	cb.url = srv.URL + "/callback"
	return cb
}

// next waits for the browser to reach the callback and the page to show.
func (cb *callback) next(t *testing.T, ctx context.Context) url.Values {
	t.Helper()
	act(t, ctx, chromedp.WaitVisible(chromedp.ID("done")))
	select {
	case q := <-cb.queries:
		return q
	default:
		t.Fatal("the client's page shows, but its redirect URI got no request")
		return nil
	}
}

// exchange trades code for tokens with x/oauth2, proving it real.
func exchange(t *testing.T, conf *oauth2.Config, code, verifier string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tok, err := conf.Exchange(ctx, code, oauth2.VerifierOption(verifier))
	if err != nil {
		t.Fatalf("exchanging the code: %v", err)
	}
	if tok.AccessToken == "" || tok.Extra("id_token") == nil {
		t.Fatalf("token %+v", tok)
	}
}

// stepTimeout bounds each step in the browser.
const stepTimeout = 10 * time.Second

// act runs browser actions as one step.
func act(t *testing.T, ctx context.Context, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	if err := chromedp.Do(step, actions...); err != nil {
		t.Fatalf("browser: %v", err)
	}
}

// get runs a browser action that returns a value.
func get[T any](t *testing.T, ctx context.Context, action chromedp.Action[T]) T {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	v, err := chromedp.Run(step, action)
	if err != nil {
		t.Fatalf("browser: %v", err)
	}
	return v
}

// evaluate runs JavaScript in the page (DevTools is not bound by the
// page's CSP) and decodes its JSON result into out.
func evaluate(t *testing.T, ctx context.Context, js string, out any) {
	t.Helper()
	raw := get(t, ctx, chromedp.Evaluate[[]byte](js))
	if err := json.Unmarshal(raw, out); err != nil {
		t.Fatalf("browser: decoding %s: %v", raw, err)
	}
}

// colourScheme makes the page see prefers-color-scheme: scheme.
func colourScheme(scheme string) chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, tab *chromedp.Target) error {
		_, err := cdp.Call(ctx, tab, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: scheme}}})
		return err
	})
}

// contrastJS measures WCAG contrast ratios on the sign-in page: body
// text, muted text, the button's label and a field's border, each against
// what is behind it.
const contrastJS = `(() => {
	const rgb = s => s.match(/[\d.]+/g).slice(0, 3).map(Number);
	const lum = c => c.map(v => (v /= 255) <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4)
		.reduce((sum, v, i) => sum + v * [0.2126, 0.7152, 0.0722][i], 0);
	const ratio = (a, b) => { const [x, y] = [lum(rgb(a)), lum(rgb(b))].sort((p, q) => q - p); return (x + 0.05) / (y + 0.05); };
	const style = sel => getComputedStyle(document.querySelector(sel));
	const card = style(".card").backgroundColor, button = style("button[type=submit]");
	return {text: ratio(style("h1").color, card), muted: ratio(style(".tenant").color, card),
		button: ratio(button.color, button.backgroundColor), field: ratio(style("#username").borderTopColor, card)};
})()`
