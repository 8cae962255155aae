package console

import (
	"net/http"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
)

// registerOverview adds the pages that watch a tenant: its overview,
// statistics (stats.go) and audit log (audit.go).
func (h *Handler) registerOverview(m *route.Mux) {
	m.Tenant("GET /console/{$}", h.overview)
	m.Tenant("GET /console/stats", h.stats)
	m.Tenant("GET /console/audit", h.audit)
}

// topApps is how many applications the overview ranks.
const topApps = 5

// overviewData is the overview's content: the tenant's size, and its
// last 24 hours of tokens and refusals.
type overviewData struct {
	Counts   domain.TenantCounts
	Tokens   chartView
	TopApps  tallyTable
	Refusals refusalTable
}

// overview is the console's home: the tenant at a glance for its admins;
// a user who administers nothing starts in the developer portal.
func (h *Handler) overview(w http.ResponseWriter, r *http.Request) {
	v, ok := h.signedIn(w, r)
	if !ok {
		return
	}
	if !v.admin() {
		http.Redirect(w, r, route.Prefix(v.Tenant)+"/console/my/apps", http.StatusSeeOther)
		return
	}
	ctx := r.Context()
	base := route.Prefix(v.Tenant) + "/console"
	// The last 24 whole hours, the current one included.
	until := h.Admin.Now().Truncate(time.Hour).Add(time.Hour)
	since := until.Add(-24 * time.Hour)
	var d overviewData
	var err error
	if d.Counts, err = h.Admin.CountEntities(ctx, v.P, v.Tenant); err != nil {
		h.opsError(w, r, v, "Overview", err)
		return
	}
	counts, err := h.Admin.TokenCounts(ctx, v.P, v.Tenant, since, until, time.Hour)
	if err != nil {
		h.opsError(w, r, v, "Overview", err)
		return
	}
	tokens := summariseTokens(counts, since, until, time.Hour)
	d.Tokens = chartView{ID: "chart-tokens", Caption: "Tokens issued per hour (UTC), by grant", Tokens: tokens}
	d.TopApps = tallyTable{Caption: "Tokens issued in the last 24 hours, by application", NameHead: "Application",
		CountHead: "Tokens", Link: base + "/audit?action=token&client=", Rows: tokens.ByApp[:min(topApps, len(tokens.ByApp))]}
	d.Refusals.Audit = base + "/audit"
	if d.Refusals.Rows, err = h.Admin.RefusalCounts(ctx, v.P, v.Tenant, since, until); err != nil {
		h.opsError(w, r, v, "Overview", err)
		return
	}
	h.render(w, r, v, http.StatusOK, "overview", &page{Title: "Overview", Section: "overview", Data: &d})
}
