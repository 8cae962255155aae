package console

import (
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
)

// statsRanges are the ranges, in days, the statistics page offers per
// bucket, the default first: hourly charts stay at most 744 points (and
// their tables as many rows), daily ones a year.
var statsRanges = map[string][]int{"hour": {7, 1, 2, 14, 31}, "day": {30, 7, 90, 180, 365}}

// statsData is the statistics page's content.
type statsData struct {
	Bucket string
	Days   int
	// Ranges are the choices of Days for Bucket, sorted.
	Ranges       []int
	Since, Until time.Time
	Tokens       chartView
	ByGrant      tallyTable
	ByApp        tallyTable
	Refusals     refusalTable
	// AppUsers is a page of the registered users per application.
	AppUsers tallyTable
	Next     string
	APITokens
}

// APITokens is the API-token use shown on the statistics page.
type APITokens struct {
	Usage   domain.APITokenUsage
	Windows []string // the labels of Usage.UsedSince
}

// stats serves GET /console/stats?bucket=hour|day&days=N&until=DATE:
// tokens issued per bucket, by grant and by application, refusals by
// reason, registered users per application (paged by ?after=) and
// API-token use.
func (h *Handler) stats(w http.ResponseWriter, r *http.Request) {
	v, ok := h.adminVisit(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	d := statsData{Bucket: q.Get("bucket")}
	if d.Bucket == "" {
		d.Bucket = "hour"
	}
	ranges, ok := statsRanges[d.Bucket]
	if !ok {
		h.opsError(w, r, v, "Statistics", domain.Invalid("bucket", "bucket must be hour or day"))
		return
	}
	d.Days, d.Ranges = ranges[0], slices.Sorted(slices.Values(ranges))
	if s := q.Get("days"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || !slices.Contains(ranges, n) {
			h.opsError(w, r, v, "Statistics", domain.Invalid("days", "by %s, the range is one of %v days", d.Bucket, d.Ranges))
			return
		}
		d.Days = n
	}
	bucket := time.Hour
	if d.Bucket == "day" {
		bucket = 24 * time.Hour
	}
	// The range ends with the bucket of now, or with the day asked for.
	d.Until = h.Admin.Now().Truncate(bucket).Add(bucket)
	if s := q.Get("until"); s != "" {
		t, err := time.ParseInLocation("2006-01-02", s, time.UTC)
		if err != nil {
			h.opsError(w, r, v, "Statistics", domain.Invalid("until", "until must be a date such as 2026-01-31"))
			return
		}
		d.Until = t.Add(24 * time.Hour)
	}
	d.Since = d.Until.Add(-time.Duration(d.Days) * 24 * time.Hour)
	if err := h.fillStats(r, v, &d, bucket); err != nil {
		h.opsError(w, r, v, "Statistics", err)
		return
	}
	h.render(w, r, v, http.StatusOK, "stats", &page{Title: "Statistics", Section: "stats", Data: &d})
}

// fillStats reads the statistics of d's range, one query each.
func (h *Handler) fillStats(r *http.Request, v *visit, d *statsData, bucket time.Duration) error {
	ctx := r.Context()
	base := route.Prefix(v.Tenant) + "/console"
	counts, err := h.Admin.TokenCounts(ctx, v.P, v.Tenant, d.Since, d.Until, bucket)
	if err != nil {
		return err
	}
	tokens := summariseTokens(counts, d.Since, d.Until, bucket)
	d.Tokens = chartView{ID: "chart-tokens", Caption: "Tokens issued per " + d.Bucket + " (UTC), by grant", Tokens: tokens}
	d.ByGrant = tallyTable{Caption: "Tokens issued by grant", NameHead: "Grant", CountHead: "Tokens",
		Link: base + "/audit?action=token&grant=", Rows: tokens.ByGrant}
	d.ByApp = tallyTable{Caption: "Tokens issued by application", NameHead: "Application", CountHead: "Tokens",
		Link: base + "/audit?action=token&client=", Rows: tokens.ByApp}
	d.Refusals.Audit = base + "/audit"
	if d.Refusals.Rows, err = h.Admin.RefusalCounts(ctx, v.P, v.Tenant, d.Since, d.Until); err != nil {
		return err
	}
	users, next, err := h.Admin.ApplicationUserCounts(ctx, v.P, v.Tenant, domain.Page{After: r.URL.Query().Get("after")})
	if err != nil {
		return err
	}
	d.AppUsers = tallyTable{Caption: "Registered users per application (since first use)", NameHead: "Application",
		CountHead: "Users", Link: base + "/audit?action=token&client="}
	for _, u := range users {
		d.AppUsers.Rows = append(d.AppUsers.Rows, tally{u.ClientID, u.Users})
	}
	d.Next = withQuery(r, "after", next)
	if d.Usage, err = h.Admin.APITokenUsage(ctx, v.P, v.Tenant); err != nil {
		return err
	}
	for _, w := range admin.APITokenUsageWindows {
		d.Windows = append(d.Windows, "Used in the last "+days(w))
	}
	return nil
}

// days names a whole number of days.
func days(d time.Duration) string {
	if n := int(d / (24 * time.Hour)); n != 1 {
		return strconv.Itoa(n) + " days"
	}
	return "day"
}
