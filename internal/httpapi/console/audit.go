package console

import (
	"net/http"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// auditPageSize is how many events a page of the audit log shows.
const auditPageSize = 50

// auditData is the audit log page's content.
type auditData struct {
	Events []domain.AuditEvent
	Next   string
	// Grants are the choices of the grant filter.
	Grants []string
}

// auditGrants are the grant types a token event may name.
var auditGrants = []string{domain.GrantAuthorizationCode, domain.GrantClientCredentials, domain.GrantPassword,
	domain.GrantRefreshToken, domain.GrantEmbedSecret}

// audit serves GET /console/audit: the tenant's events, newest first,
// filtered by outcome, action, grant, user, client and time range (UTC),
// paged by the (time, id) cursor of the last event shown (?after=).
func (h *Handler) audit(w http.ResponseWriter, r *http.Request) {
	v, ok := h.adminVisit(w, r)
	if !ok {
		return
	}
	q := r.URL.Query()
	f := newForm(q)
	filter := domain.AuditFilter{Outcome: q.Get("outcome"), Action: strings.TrimSpace(q.Get("action")),
		Grant: q.Get("grant"), UserID: strings.TrimSpace(q.Get("user")), ClientID: strings.TrimSpace(q.Get("client")),
		Limit: auditPageSize}
	var err error
	if filter.Since, err = parseWhen("since", q.Get("since")); err == nil {
		filter.Until, err = parseWhen("until", q.Get("until"))
	}
	if err == nil && q.Get("after") != "" {
		filter.After, err = parseAuditAfter(q.Get("after"))
	}
	d := auditData{Grants: auditGrants}
	status := http.StatusOK
	if err == nil {
		var next *domain.AuditCursor
		d.Events, next, err = h.Admin.ListAudit(r.Context(), v.P, v.Tenant, filter)
		if next != nil {
			d.Next = withQuery(r, "after", next.String())
		}
	}
	if err != nil {
		// A bad filter is shown beside its field, with no events.
		status = f.fail(h, r, err, "")
	}
	h.render(w, r, v, status, "audit", &page{Title: "Audit log", Section: "audit", Form: f, Data: &d})
}

// parseAuditAfter reads the ?after= of a next-page link.
func parseAuditAfter(s string) (*domain.AuditCursor, error) {
	c, ok := domain.ParseAuditCursor(s)
	if !ok {
		return nil, domain.Invalid("", "this link to the next page is broken: start again from the first page")
	}
	return c, nil
}
