// Package browsertest runs tests in a real, headless Chromium driven with
// chromedp, and records what the browser says about the pages it shows:
// console messages, uncaught exceptions, its own log (network errors,
// refused resources) and DevTools issues such as Content-Security-Policy
// violations, so that a test can assert that a page loaded cleanly.
//
// The browser is Debian's chromium at /usr/bin/chromium, or the program
// that TOLLGATE_CHROMIUM names; scripts/ensure-deps.sh installs it. A test
// without a browser is skipped, unless TOLLGATE_TEST_BROWSER is set (as
// `make test` and so CI do): then it fails.
package browsertest

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/audits"
	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/chromedp"
)

// DefaultPath is where Debian's chromium package puts the browser.
const DefaultPath = "/usr/bin/chromium"

// Timeout bounds a whole test's use of the browser: when it runs out the
// browser is stopped and every action on it fails. Tests put shorter
// timeouts on single steps.
const Timeout = 60 * time.Second

// flags are added to chromedp's defaults (headless, no first run, no
// sync, ...). The tests often run as root, where Chromium needs
// --no-sandbox, and in containers without the namespaces its sandbox
// needs; the network is closed, so nothing may try to reach the outside
// (QUIC, component updates, background requests) or Chromium hangs.
var flags = []string{
	"headless", "no-sandbox", "disable-gpu", "disable-quic", "no-first-run",
	"disable-background-networking", "disable-component-update", "disable-sync",
	"disable-default-apps", "disable-extensions", "disable-breakpad", "no-pings",
}

// Path returns the browser the tests use: TOLLGATE_CHROMIUM, else
// DefaultPath.
func Path() string {
	if p := os.Getenv("TOLLGATE_CHROMIUM"); p != "" {
		return p
	}
	return DefaultPath
}

// Required reports whether a missing browser fails the tests rather than
// skipping them: TOLLGATE_TEST_BROWSER is set to anything but "" or "0".
func Required() bool {
	v := os.Getenv("TOLLGATE_TEST_BROWSER")
	return v != "" && v != "0"
}

// New starts a headless Chromium with a fresh profile for t and returns
// the chromedp context of its first tab: pass it to chromedp.Run and
// chromedp.Do. The browser stops when t ends, or after Timeout. Without a
// browser, t is skipped (or fails, see Required).
func New(t testing.TB) context.Context {
	t.Helper()
	path := Path()
	if _, err := os.Stat(path); err != nil {
		if Required() {
			t.Fatalf("browsertest: no Chromium at %s (%v); run scripts/ensure-deps.sh or set TOLLGATE_CHROMIUM", path, err)
		}
		t.Skipf("browsertest: no Chromium at %s; run scripts/ensure-deps.sh (or set TOLLGATE_CHROMIUM) to run this test, TOLLGATE_TEST_BROWSER=1 makes it fail", path)
	}
	profile := t.TempDir() // removed after the browser stops (cleanups run last in, first out)
	output := &syncBuffer{}
	opts := append(slices.Clone(chromedp.DefaultExecAllocatorOptions[:]),
		chromedp.ExecPath(path), chromedp.UserDataDir(profile), chromedp.CombinedOutput(output),
		chromedp.WindowSize(1280, 800))
	for _, name := range flags {
		opts = append(opts, chromedp.Flag(name, true))
	}
	root, stop := context.WithTimeout(context.Background(), Timeout)
	alloc, cancelAlloc := chromedp.NewExecAllocator(root, opts...)
	rec := &recorder{}
	ctx, cancelTab := chromedp.NewContext(context.WithValue(alloc, recorderKey{}, rec),
		chromedp.WithListener(rec.listen))
	t.Cleanup(func() {
		cancelTab()
		cancelAlloc()
		stop()
	})
	// The first action starts the browser, bound to root rather than to a
	// step's shorter timeout.
	if err := chromedp.Do(ctx, enableIssues()); err != nil {
		logOutput(t, output)
		t.Fatalf("browsertest: starting %s: %v", path, err)
	}
	return ctx
}

// NewTab opens another tab in the browser of ctx, recorded like the first;
// it closes when t ends. chromedp.WithNewBrowserContext() among opts gives
// it cookies and storage of its own, like a private window.
func NewTab(t testing.TB, ctx context.Context, opts ...chromedp.ContextOption) context.Context {
	t.Helper()
	rec := recorderOf(ctx)
	tab, cancel := chromedp.NewContext(ctx, append(opts, chromedp.WithListener(rec.listen))...)
	t.Cleanup(cancel)
	if err := chromedp.Do(tab, enableIssues()); err != nil {
		t.Fatalf("browsertest: opening a tab: %v", err)
	}
	return tab
}

// enableIssues turns on the DevTools issues (Audits) domain of a tab,
// which reports CSP violations among others.
func enableIssues() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, audits.Enable, cdp.Empty{})
		return err
	})
}

// Screenshot saves a PNG of the whole page of ctx, for a person to look
// at, as <test>/<name>.png in the folder TOLLGATE_SCREENSHOTS names (make
// test sets test-output/screenshots, which git ignores); without it, it
// does nothing.
func Screenshot(t testing.TB, ctx context.Context, name string) {
	t.Helper()
	dir := os.Getenv("TOLLGATE_SCREENSHOTS")
	if dir == "" {
		return
	}
	dir = filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "-"))
	png, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
	if err == nil {
		err = os.MkdirAll(dir, 0o755)
	}
	if err == nil {
		err = os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644)
	}
	if err != nil {
		t.Errorf("browsertest: screenshot %s: %v", name, err)
	}
}

// logOutput logs the end of what the browser printed, to tell why it
// failed.
func logOutput(t testing.TB, out *syncBuffer) {
	b := out.Bytes()
	if len(b) > 4096 {
		b = b[len(b)-4096:]
	}
	if len(bytes.TrimSpace(b)) > 0 {
		t.Logf("browsertest: Chromium's output (end):\n%s", b)
	}
}

// syncBuffer is a bytes.Buffer that the browser's output copier and the
// test may use at once.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) Bytes() []byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return bytes.Clone(b.buf.Bytes())
}
