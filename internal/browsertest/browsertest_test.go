package browsertest_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/tollgate-dev/tollgate/internal/browsertest"
)

// pages is a tiny site under a strict policy like the sign-in pages':
// /clean loads its stylesheet and breaks nothing; /broken breaks the policy
// (an inline style, an image from elsewhere); /noisy runs a script that
// logs an error and throws.
func pages() http.Handler {
	const policy = "default-src 'none'; style-src 'self'; img-src 'self'; script-src 'self'"
	page := func(body string) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Security-Policy", policy)
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			_, _ = w.Write([]byte(`<!doctype html><html lang="en"><head><meta charset="utf-8"><title>t</title>` +
				`<link rel="stylesheet" href="/s.css"></head><body>` + body + `</body></html>`))
		}
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/s.css", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/css")
		_, _ = w.Write([]byte("p { color: green }"))
	})
	mux.HandleFunc("/app.js", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/javascript")
		_, _ = w.Write([]byte(`console.error("boom from app.js"); throw new Error("thrown by app.js");`))
	})
	mux.HandleFunc("/favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })
	mux.Handle("/clean", page(`<p id="p">clean</p>`))
	mux.Handle("/broken", page(`<p id="p" style="color: red">inline style</p><img alt="" src="http://127.0.0.1:9/x.png">`))
	mux.Handle("/noisy", page(`<p id="p">noisy</p><script src="/app.js"></script>`))
	return mux
}

func TestReportsWhatThePageBreaks(t *testing.T) {
	srv := httptest.NewServer(pages())
	defer srv.Close()
	ctx := browsertest.New(t)

	visit := func(path string) []browsertest.Report {
		t.Helper()
		before := len(browsertest.Reports(ctx))
		step, cancel := context.WithTimeout(ctx, 10*time.Second)
		defer cancel()
		if err := chromedp.Do(step, chromedp.Navigate(srv.URL+path), chromedp.WaitVisible(chromedp.ID("p"))); err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		browsertest.Settle(t, ctx)
		got := browsertest.Reports(ctx)[before:]
		for _, r := range got {
			t.Logf("%s: %s", path, r)
		}
		return got
	}
	has := func(rs []browsertest.Report, kind, text string) bool {
		for _, r := range rs {
			if r.Kind == kind && r.Problem() && strings.Contains(r.Text+" "+r.URL, text) {
				return true
			}
		}
		return false
	}

	if rs := visit("/clean"); len(rs) != 0 {
		t.Errorf("/clean: want no reports, got %v", rs)
	}
	if rs := visit("/broken"); !has(rs, browsertest.CSP, "style-src") || !has(rs, browsertest.CSP, "127.0.0.1:9/x.png") {
		t.Errorf("/broken: want the inline style and the image reported as CSP violations, got %v", rs)
	}
	if rs := visit("/noisy"); !has(rs, browsertest.Console, "boom from app.js") || !has(rs, browsertest.Exception, "thrown by app.js") {
		t.Errorf("/noisy: want the console error and the exception, got %v", rs)
	}
	if n := len(browsertest.Problems(ctx)); n < 4 {
		t.Errorf("Problems: %d, want at least 4", n)
	}

	// A private tab shares the recorder, not the cookies.
	tab := browsertest.NewTab(t, ctx, chromedp.WithNewBrowserContext())
	before := len(browsertest.Reports(ctx))
	step, cancel := context.WithTimeout(tab, 10*time.Second)
	defer cancel()
	if err := chromedp.Do(step, chromedp.Navigate(srv.URL+"/noisy"), chromedp.WaitVisible(chromedp.ID("p"))); err != nil {
		t.Fatal(err)
	}
	browsertest.Settle(t, tab)
	if rs := browsertest.Reports(ctx)[before:]; !has(rs, browsertest.Exception, "thrown by app.js") {
		t.Errorf("second tab: want its exception recorded, got %v", rs)
	}
}
