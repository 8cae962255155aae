package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"mime/multipart"
	"net"
	"net/http"
	"net/textproto"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/tollgate-dev/tollgate/internal/browsertest"
)

// The console's Import page, and the Users pages in Chromium (issue 15).

// TestConsoleImport: the answer to an upload is streamed, progress
// lines first, then the report with every bad row.
func TestConsoleImport(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		b := e.consoleAdmin(t)
		if p := b.get("/console/import"); p.status != http.StatusOK || !strings.Contains(p.body, `enctype="multipart/form-data"`) {
			t.Fatalf("import page: %d %.500s", p.status, p.body)
		}
		var csv strings.Builder
		csv.WriteString("username,email,roles\n")
		for i := range 1100 {
			if i == 700 {
				csv.WriteString("bad-row,not-an-email,reader\n") // line 702
			}
			fmt.Fprintf(&csv, "imp%04d,imp%d@example.com,reader\n", i, i)
		}
		status, header, chunks := b.chunks(t, b.uploadRequest(t, "users.csv", csv.String()))
		page := strings.Join(chunks, "")
		if status != http.StatusOK {
			t.Fatalf("import answer: %d %.500s", status, page)
		}
		if csp := header.Get("Content-Security-Policy"); !strings.HasPrefix(csp, "default-src 'self'") {
			t.Errorf("the streamed page's CSP: %q", csp)
		}
		// Each progress line went out as it happened: it ends a chunk
		// of its own, before the one with the report.
		lineRe := regexp.MustCompile(`<p class="import-progress">(\d+) rows so far…</p>\n$`)
		var lines []string
		report := -1
		for i, c := range chunks {
			if m := lineRe.FindStringSubmatch(c); m != nil && report < 0 {
				lines = append(lines, m[1])
			}
			if strings.Contains(c, `<h2 id="import-report">Report</h2>`) {
				report = i
			}
		}
		if fmt.Sprint(lines) != "[512 1025 1101]" || report < 0 || strings.Contains(chunks[0], "rows so far") {
			t.Fatalf("progress chunks %v, report in chunk %d of %d: %q", lines, report, len(chunks), chunks)
		}
		report = strings.Index(page, `<h2 id="import-report">Report</h2>`)
		if !strings.Contains(page, "Created 1100, updated 0, skipped 0 (unchanged), failed 1.") ||
			!strings.Contains(page, "<tr><td>702</td><td>bad-row</td><td>invalid email &#34;not-an-email&#34;</td></tr>") {
			t.Errorf("report: %s", page[report:])
		}
		if !strings.HasSuffix(strings.TrimSpace(page), "</html>") {
			t.Error("the page does not end")
		}
		if a := userAttrs(e, "imp1099"); a["source"] != "csv" || a["email"] != "imp1099@example.com" {
			t.Errorf("imported user: %v", a)
		}
		e.api("GET", "/api/v1/entities/users/bad-row", "", 404)

		// A file the importer cannot read is an error next to the field,
		// before anything streams.
		resp := b.do(t, b.uploadRequest(t, "users.csv", "email\nx@example.com\n"))
		body, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(string(body), `<small id="f-file-note" class="field-error">csv header`) {
			t.Errorf("a file without a username column: %d %s", resp.StatusCode, body)
		}
	})
}

// consoleRequest is a POST of the console's own page to path, with the
// browser's CSRF token in the form or, for a multipart body, none added.
func (b *browser) consoleRequest(t testing.TB, path, contentType string, body []byte) *http.Request {
	t.Helper()
	if body == nil {
		f := url.Values{}
		u, _ := url.Parse(b.e.base)
		for _, c := range b.client.Jar.Cookies(u) {
			if c.Name == "tollgate_csrf" {
				f.Set("csrf_token", c.Value)
			}
		}
		body = []byte(f.Encode())
	}
	req, _ := http.NewRequest(http.MethodPost, b.e.base+path, bytes.NewReader(body))
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("Origin", b.e.base)
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return req
}

// uploadRequest is the import form's upload of a file named name with
// content, as the browser sends it.
func (b *browser) uploadRequest(t testing.TB, name, content string) *http.Request {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	u, _ := url.Parse(b.e.base)
	for _, c := range b.client.Jar.Cookies(u) {
		if c.Name == "tollgate_csrf" {
			_ = mw.WriteField("csrf_token", c.Value)
		}
	}
	fw, _ := mw.CreateFormFile("file", name)
	_, _ = io.WriteString(fw, content)
	_ = mw.Close()
	return b.consoleRequest(t, "/console/import", mw.FormDataContentType(), buf.Bytes())
}

// chunks sends req with the browser's cookies over a connection of its
// own and returns the answer's status, header and body as the chunks of
// its chunked transfer coding (RFC 9112 §7.1), so a test sees what the
// server flushed when.
func (b *browser) chunks(t testing.TB, req *http.Request) (int, http.Header, []string) {
	t.Helper()
	for _, c := range b.client.Jar.Cookies(req.URL) {
		req.AddCookie(c)
	}
	req.Close = true
	conn, err := net.Dial("tcp", req.URL.Host)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := req.Write(conn); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(conn)
	tp := textproto.NewReader(r)
	line, err := tp.ReadLine()
	if err != nil {
		t.Fatal(err)
	}
	var status int
	if _, err := fmt.Sscanf(line, "HTTP/1.1 %d", &status); err != nil {
		t.Fatalf("status line %q", line)
	}
	mh, err := tp.ReadMIMEHeader()
	if err != nil {
		t.Fatal(err)
	}
	if te := mh.Get("Transfer-Encoding"); te != "chunked" {
		t.Fatalf("Transfer-Encoding %q, want chunked", te)
	}
	var chunks []string
	for {
		sizeLine, err := tp.ReadLine()
		if err != nil {
			t.Fatal(err)
		}
		size, err := strconv.ParseInt(sizeLine, 16, 64)
		if err != nil {
			t.Fatalf("chunk size %q", sizeLine)
		}
		if size == 0 {
			return status, http.Header(mh), chunks
		}
		data := make([]byte, size+2) // and its CRLF
		if _, err := io.ReadFull(r, data); err != nil {
			t.Fatal(err)
		}
		chunks = append(chunks, string(data[:size]))
	}
}

// do sends req with the browser's cookies; the caller reads the body,
// which is closed at the end of the test.
func (b *browser) do(t testing.TB, req *http.Request) *http.Response {
	t.Helper()
	resp, err := b.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { resp.Body.Close() })
	return resp
}

// TestConsoleUsersInChromium drives the Users and Import pages in a real
// Chromium: sign-in, a form refused with the error by its field, a user
// created from the keyboard, an upload whose streamed report shows the
// bad row; the pages fit a 390px phone, and nothing breaks the CSP.
// TOLLGATE_SCREENSHOTS=DIR keeps a PNG of each page.
func TestConsoleUsersInChromium(t *testing.T) {
	ctx := browsertest.New(t)
	e := startServer(t, "")
	e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"ada","attributes":{"password":"ada-password-1","roles":["admin"]}}}`, 201)
	act(t, ctx, chromedp.Navigate(e.base+"/console/users"), chromedp.WaitVisible(chromedp.ID("username")),
		chromedp.SendKeys(chromedp.ID("username"), "ada"), chromedp.SendKeys(chromedp.ID("password"), "ada-password-1\r"),
		chromedp.WaitVisible(chromedp.CSS("table")))
	if rows := get(t, ctx, chromedp.Text(chromedp.CSS("tbody"))); !strings.Contains(rows, "john.doe") {
		t.Errorf("user list: %q", rows)
	}
	browsertest.Screenshot(t, ctx, "console-users")

	act(t, ctx, chromedp.Navigate(e.base+"/console/new-user"), chromedp.WaitVisible(chromedp.ID("f-id")),
		chromedp.SendKeys(chromedp.ID("f-id"), "grace/h"), chromedp.SendKeys(chromedp.ID("f-password"), "grace-password-1\r"),
		chromedp.WaitVisible(chromedp.CSS("#f-id-note.field-error")))
	if msg := get(t, ctx, chromedp.Text(chromedp.CSS("#f-id-note"))); msg != `"grace/h" may not contain '/'` {
		t.Errorf("error next to the id: %q", msg)
	}
	browsertest.Screenshot(t, ctx, "console-user-new-error")
	act(t, ctx, chromedp.SetValue(chromedp.ID("f-id"), "grace"), chromedp.SendKeys(chromedp.ID("f-password"), "grace-password-1\r"),
		chromedp.WaitVisible(chromedp.ID("profile")))
	if flash := get(t, ctx, chromedp.Text(chromedp.CSS(".flash"))); flash != "The user was created." {
		t.Errorf("flash %q", flash)
	}
	browsertest.Screenshot(t, ctx, "console-user")

	file := filepath.Join(t.TempDir(), "users.csv")
	if err := os.WriteFile(file, []byte("username,email\nhal,hal@example.com\nbad/row,\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	act(t, ctx, chromedp.Navigate(e.base+"/console/import"), chromedp.SetUploadFiles(chromedp.CSS(`input[name=file]`), []string{file}),
		chromedp.Click(chromedp.CSS(`button[type=submit]`)), chromedp.WaitVisible(chromedp.ID("import-report")))
	if report := get(t, ctx, chromedp.Text(chromedp.CSS("main"))); !strings.Contains(report, "Created 1, updated 0, skipped 0 (unchanged), failed 1.") ||
		!strings.Contains(report, "3\tbad/row") {
		t.Errorf("import report: %q", report)
	}
	browsertest.Screenshot(t, ctx, "console-import-report")

	phone := browsertest.NewTab(t, ctx)
	act(t, phone, chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateTouch))
	for _, path := range []string{"/console/users", "/console/users/grace", "/console/import"} {
		act(t, phone, chromedp.Navigate(e.base+path), chromedp.WaitVisible(chromedp.CSS("h1")))
		var fit struct{ ScrollWidth, InnerWidth float64 }
		evaluate(t, phone, `({ScrollWidth: document.documentElement.scrollWidth, InnerWidth: innerWidth})`, &fit)
		if fit.ScrollWidth > fit.InnerWidth {
			t.Errorf("%s on a 390px phone: %+v, want no horizontal scrolling", path, fit)
		}
		browsertest.Screenshot(t, phone, "phone"+strings.ReplaceAll(path, "/", "-"))
	}
	// The form refused shows with its status, which the browser logs.
	refused := func(r browsertest.Report) bool {
		return strings.Contains(r.Text, "status of 422") && strings.Contains(r.Text+r.URL, "/console/new-user")
	}
	browsertest.CheckNoProblems(t, ctx, refused) // every tab's reports
}
