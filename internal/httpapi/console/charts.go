package console

import (
	"cmp"
	"errors"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// chart is a time series drawn by static/charts.js from the JSON the
// page embeds (no inline script: the CSP allows none). X holds the
// buckets' starts in unix seconds; each series has one value per bucket.
type chart struct {
	X      []int64       `json:"x"`
	Series []chartSeries `json:"series"`
}

type chartSeries struct {
	Label  string  `json:"label"`
	Values []int64 `json:"values"`
}

// tally is a named count of a summary table.
type tally struct {
	Name  string
	Count int64
}

// bucketRow is a row of a chart's table: the bucket's start and its
// values, in the order of the chart's series.
type bucketRow struct {
	Start  time.Time
	Values []int64
}

// tokenSummary is what a page shows of issued tokens in a range: a chart
// with a series per grant, the same as a table for pages without script,
// and the totals by grant and application, largest first.
type tokenSummary struct {
	Chart   chart
	Rows    []bucketRow
	Total   int64
	ByGrant []tally
	ByApp   []tally
}

// chartView is a token chart on a page: the element's id (its JSON's is
// ID + "-data") and the caption of its table.
type chartView struct {
	ID, Caption string
	Tokens      tokenSummary
}

// tallyTable is a table of named counts; a name links to Link + name
// when Link is set.
type tallyTable struct {
	Caption, NameHead, CountHead, Link string
	Rows                               []tally
}

// refusalTable lists refusals, each linked to its events in the audit
// log at Audit (the page's audit URL).
type refusalTable struct {
	Audit string
	Rows  []domain.RefusalCount
}

// summariseTokens turns the store's counts per bucket, grant and
// application into a summary of every bucket of [since, until), empty
// ones included, so the chart's time axis has no gaps.
func summariseTokens(counts []domain.TokenCount, since, until time.Time, bucket time.Duration) tokenSummary {
	var s tokenSummary
	grants, apps := map[string]int64{}, map[string]int64{}
	for _, c := range counts {
		grants[c.Grant] += c.Count
		apps[c.ClientID] += c.Count
		s.Total += c.Count
	}
	names := slices.Sorted(maps.Keys(grants))
	col := map[string]int{}
	for i, g := range names {
		col[g] = i
		s.Chart.Series = append(s.Chart.Series, chartSeries{Label: g})
	}
	row := map[int64]int{}
	for t := since; t.Before(until); t = t.Add(bucket) {
		row[t.Unix()] = len(s.Chart.X)
		s.Chart.X = append(s.Chart.X, t.Unix())
		s.Rows = append(s.Rows, bucketRow{Start: t, Values: make([]int64, len(names))})
	}
	for i := range s.Chart.Series {
		s.Chart.Series[i].Values = make([]int64, len(s.Chart.X))
	}
	for _, c := range counts {
		if r, ok := row[c.Start.Unix()]; ok {
			s.Chart.Series[col[c.Grant]].Values[r] += c.Count
			s.Rows[r].Values[col[c.Grant]] += c.Count
		}
	}
	s.ByGrant, s.ByApp = ranked(grants), ranked(apps)
	return s
}

// ranked lists counts largest first, ties by name.
func ranked(m map[string]int64) []tally {
	out := make([]tally, 0, len(m))
	for k, n := range m {
		out = append(out, tally{k, n})
	}
	slices.SortFunc(out, func(a, b tally) int { return cmp.Or(cmp.Compare(b.Count, a.Count), cmp.Compare(a.Name, b.Name)) })
	return out
}

// opsError shows a read page's failure on the message page: a problem
// with the page's query beside what to fix, anything else as forms
// report it (an internal error logged with its request id).
func (h *Handler) opsError(w http.ResponseWriter, r *http.Request, v *visit, title string, err error) {
	var invalid *domain.InvalidError
	if errors.As(err, &invalid) {
		h.render(w, r, v, http.StatusBadRequest, "message", &page{Title: title, Message: invalid.Reason})
		return
	}
	f := newForm(nil)
	status := f.fail(h, r, err, "")
	h.render(w, r, v, status, "message", &page{Title: title, Message: f.Error})
}

// withQuery is the request's own URL with key set to value: the link to
// the next page of a list keeps the list's filters. An empty value (no
// next page) gives no link.
func withQuery(r *http.Request, key, value string) string {
	if value == "" {
		return ""
	}
	q := r.URL.Query()
	q.Set(key, value)
	q.Del("done")
	return r.URL.Path + "?" + q.Encode()
}

// whenLayouts are what a time field takes: a browser's datetime-local
// or date value (read as UTC, as the pages show times) or RFC 3339.
var whenLayouts = []string{"2006-01-02T15:04", "2006-01-02T15:04:05", "2006-01-02", time.RFC3339}

// parseWhen reads the optional time field name of a page's query.
func parseWhen(name, s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	for _, l := range whenLayouts {
		if t, err := time.ParseInLocation(l, s, time.UTC); err == nil {
			return t, nil
		}
	}
	return time.Time{}, domain.Invalid(name, "must be a date and time such as 2026-01-02T15:04 (UTC)")
}
