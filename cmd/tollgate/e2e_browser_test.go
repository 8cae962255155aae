package main

import (
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"testing"
)

// browser is a user agent with cookies that does not follow redirects,
// so tests see every hop of a sign-in.
type browser struct {
	t      testing.TB
	e      *env
	client *http.Client
}

func (e *env) browser(t testing.TB) *browser {
	jar, _ := cookiejar.New(nil)
	return &browser{t: t, e: e, client: &http.Client{Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// page is one answer: status, Location and the body.
type page struct {
	status   int
	location string
	header   http.Header
	body     string
}

func (b *browser) get(u string) *page {
	b.t.Helper()
	return b.send(http.MethodGet, u, nil)
}

// submit posts form to u as our own page's form would, from our origin.
func (b *browser) submit(u string, form url.Values) *page {
	b.t.Helper()
	return b.send(http.MethodPost, u, form)
}

func (b *browser) send(method, u string, form url.Values) *page {
	b.t.Helper()
	if strings.HasPrefix(u, "/") {
		u = b.e.base + u
	}
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, _ := http.NewRequest(method, u, body)
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", b.e.base)
		req.Header.Set("Sec-Fetch-Site", "same-origin")
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return &page{status: resp.StatusCode, location: resp.Header.Get("Location"), header: resp.Header, body: string(raw)}
}

var hiddenField = regexp.MustCompile(`<input type="hidden" name="([a-z_]+)" value="([^"]*)">`)

// fields are the hidden fields of the page's form.
func (p *page) fields() url.Values {
	v := url.Values{}
	for _, m := range hiddenField.FindAllStringSubmatch(p.body, -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	return v
}

// signIn follows an authorization URL through the sign-in form with
// username and password and returns where the browser is sent at the
// end: the client's redirect URI, or a page.
func (b *browser) signIn(authURL, username, password string) *page {
	b.t.Helper()
	p := b.get(authURL)
	if p.status != http.StatusSeeOther || !strings.Contains(p.location, "/login?") {
		b.t.Fatalf("authorize: want a redirect to the sign-in page, got %d %q %s", p.status, p.location, p.body)
	}
	form := b.get(p.location)
	if form.status != http.StatusOK {
		b.t.Fatalf("sign-in page: %d %s", form.status, form.body)
	}
	f := form.fields()
	f.Set("username", username)
	f.Set("password", password)
	return b.submit(loginAction(b.t, form), f)
}

var formAction = regexp.MustCompile(`<form method="post" action="([^"]+)"`)

func loginAction(t testing.TB, p *page) string {
	t.Helper()
	m := formAction.FindStringSubmatch(p.body)
	if m == nil {
		t.Fatalf("no form on the page: %s", p.body)
	}
	return html.UnescapeString(m[1])
}

// redirectParams checks that p sends the browser to redirectURI and
// returns the parameters it carries.
func redirectParams(t testing.TB, p *page, redirectURI string) url.Values {
	t.Helper()
	if p.status != http.StatusSeeOther || !strings.HasPrefix(p.location, redirectURI+"?") {
		t.Fatalf("want a redirect to %s, got %d %q %s", redirectURI, p.status, p.location, p.body)
	}
	u, _ := url.Parse(p.location)
	return u.Query()
}

var regexpLink = regexp.MustCompile(`<a class="button secondary" href="([^"]+)">`)

func htmlUnescape(s string) string { return html.UnescapeString(s) }
