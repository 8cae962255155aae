package console

import (
	"net/http"
	"strconv"
	"strings"
	"time"

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
			d.Next = withQuery(r, "after", strconv.FormatInt(next.Time.UnixMicro(), 10)+"."+strconv.FormatInt(next.ID, 10))
		}
	}
	if err != nil {
		// A bad filter is shown beside its field, with no events.
		status = f.fail(h, r, err, "")
	}
	h.render(w, r, v, status, "audit", &page{Title: "Audit log", Section: "audit", Form: f, Data: &d})
}

// parseAuditAfter reads "<unix µs>.<id>", the position of the last event
// of the previous page, as the admin API's page[after] does.
func parseAuditAfter(s string) (*domain.AuditCursor, error) {
	us, id, ok := strings.Cut(s, ".")
	t, err1 := strconv.ParseInt(us, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if !ok || err1 != nil || err2 != nil {
		return nil, domain.Invalid("", "this link to the next page is broken: start again from the first page")
	}
	return &domain.AuditCursor{Time: time.UnixMicro(t).UTC(), ID: n}, nil
}
