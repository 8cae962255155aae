package browsertest

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/audits"
	"github.com/chromedp/cdproto/log"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
)

// Kinds of Report.
const (
	Console   = "console"   // a call of the console API (console.error, ...)
	Exception = "exception" // an uncaught exception or unhandled rejection
	Log       = "log"       // the browser's own log: network, security, ...
	CSP       = "csp"       // a Content-Security-Policy violation
	Issue     = "issue"     // any other DevTools issue (cookies, forms, ...)
)

// Report is one thing the browser said about a page.
type Report struct {
	Kind  string // Console, Exception, Log, CSP or Issue
	Level string // error, warning, info, ... ("error" for exceptions and CSP violations; an issue's code otherwise)
	Text  string
	URL   string // the page or resource it concerns, when known
}

func (r Report) String() string {
	s := r.Kind + " " + r.Level + ": " + r.Text
	if r.URL != "" {
		s += " (" + r.URL + ")"
	}
	return s
}

// Problem reports whether r means something on the page went wrong: an
// error on the console or in the browser's log, an uncaught exception, a
// CSP violation, or any DevTools issue. Warnings and lesser messages are
// not.
func (r Report) Problem() bool {
	switch r.Kind {
	case Exception, CSP, Issue:
		return true
	}
	return r.Level == "error" || r.Level == "assert"
}

// Reports returns what the browser of ctx reported so far, in every tab,
// in the order it arrived.
func Reports(ctx context.Context) []Report {
	rec := recorderOf(ctx)
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return append([]Report(nil), rec.reports...)
}

// Problems returns the Reports that are problems (see Report.Problem).
func Problems(ctx context.Context) []Report {
	var out []Report
	for _, r := range Reports(ctx) {
		if r.Problem() {
			out = append(out, r)
		}
	}
	return out
}

// CheckNoProblems fails t with each problem the browser of ctx reported,
// but those that one of expected accepts: pages that work have none.
func CheckNoProblems(t testing.TB, ctx context.Context, expected ...func(Report) bool) {
	t.Helper()
	for _, r := range Problems(ctx) {
		if !slices.ContainsFunc(expected, func(f func(Report) bool) bool { return f(r) }) {
			t.Errorf("browser reported %s", r)
		}
	}
}

// recorder keeps the reports of one browser; every tab's listener adds to
// it. listen runs on chromedp's event loop, so it only appends.
type recorder struct {
	mu      sync.Mutex
	reports []Report
}

type recorderKey struct{}

func recorderOf(ctx context.Context) *recorder {
	rec, _ := ctx.Value(recorderKey{}).(*recorder)
	if rec == nil {
		panic("browsertest: context not made by browsertest.New or NewTab")
	}
	return rec
}

func (rec *recorder) listen(ev any) {
	var r Report
	switch ev := ev.(type) {
	case *runtime.EventConsoleAPICalled:
		r = Report{Kind: Console, Level: string(ev.Type), Text: argsText(ev.Args)}
		if st := ev.StackTrace; st != nil && len(st.CallFrames) > 0 {
			r.URL = st.CallFrames[0].URL
		}
	case *runtime.EventExceptionThrown:
		d := ev.ExceptionDetails
		r = Report{Kind: Exception, Level: "error", Text: d.Text, URL: d.URL}
		if d.Exception != nil && d.Exception.Description != "" {
			r.Text += " " + strings.SplitN(d.Exception.Description, "\n", 2)[0]
		}
	case *log.EventEntryAdded:
		e := ev.Entry
		r = Report{Kind: Log, Level: string(e.Level), Text: string(e.Source) + ": " + e.Text, URL: e.URL}
	case *audits.EventIssueAdded:
		r = issueReport(ev.Issue)
	default:
		return
	}
	rec.mu.Lock()
	rec.reports = append(rec.reports, r)
	rec.mu.Unlock()
}

// issueReport describes a DevTools issue; CSP violations in full, others
// by their code and details.
func issueReport(is *audits.InspectorIssue) Report {
	if is.Details != nil && is.Details.ContentSecurityPolicyIssueDetails != nil {
		d := is.Details.ContentSecurityPolicyIssueDetails
		text := fmt.Sprintf("%s violated %q", d.ContentSecurityPolicyViolationType, d.ViolatedDirective)
		if d.IsReportOnly {
			text += " (report only)"
		}
		url := d.BlockedURL
		if url == "" && d.SourceCodeLocation != nil {
			url = d.SourceCodeLocation.URL
		}
		return Report{Kind: CSP, Level: "error", Text: text, URL: url}
	}
	details, _ := json.Marshal(is.Details)
	return Report{Kind: Issue, Level: string(is.Code), Text: string(details)}
}

// argsText renders a console call's arguments roughly as DevTools does.
func argsText(args []*runtime.RemoteObject) string {
	parts := make([]string, 0, len(args))
	for _, a := range args {
		var s string
		switch {
		case a.Type == runtime.RemoteObjectTypeString && json.Unmarshal(a.Value, &s) == nil:
		case a.Description != "":
			s = a.Description
		case len(a.Value) > 0:
			s = string(a.Value)
		default:
			s = string(a.Type)
		}
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

// Settle makes sure the reports of what the tab of ctx did so far have
// arrived: the browser answers a command only after the events it sent
// before, so a round trip to the page flushes them.
func Settle(t testing.TB, ctx context.Context) {
	t.Helper()
	step, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if _, err := chromedp.Run(step, chromedp.Evaluate[int]("0")); err != nil {
		t.Fatalf("browsertest: settling: %v", err)
	}
}
