package adminapi

import (
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
)

const typeAuditEvent = "auditEvent"

type auditOut struct {
	Time       time.Time `json:"time"`
	Action     string    `json:"action"`
	Grant      string    `json:"grant,omitempty"`
	Outcome    string    `json:"outcome"`
	Reason     string    `json:"reason,omitempty"`
	ClientID   string    `json:"clientId,omitempty"`
	UserID     string    `json:"userId,omitempty"`
	Target     string    `json:"target,omitempty"`
	RemoteAddr string    `json:"remoteAddr,omitempty"`
	RequestID  string    `json:"requestId,omitempty"`
}

// listAudit serves GET /api/v1/audit: the tenant's events, newest first,
// filtered by since/until (RFC 3339), action, grant, outcome, client and
// user, paged by page[size] and an opaque page[after] cursor.
func (h *Handler) listAudit(w http.ResponseWriter, r *http.Request, c call) error {
	q := r.URL.Query()
	f := domain.AuditFilter{Action: q.Get("action"), Grant: q.Get("grant"), Outcome: q.Get("outcome"),
		ClientID: q.Get("client"), UserID: q.Get("user")}
	var err error
	if f.Since, err = timeParam(q, "since"); err != nil {
		return err
	}
	if f.Until, err = timeParam(q, "until"); err != nil {
		return err
	}
	pg, err := jsonapi.ParsePage(r)
	if err != nil {
		return err
	}
	f.Limit = pg.Limit
	if pg.After != "" {
		if f.After, err = parseAuditCursor(pg.After); err != nil {
			return err
		}
	}
	evs, next, err := h.Service.ListAudit(r.Context(), c.p, c.tenant, f)
	if err != nil {
		return err
	}
	items := make([]jsonapi.Resource, 0, len(evs))
	for _, e := range evs {
		items = append(items, jsonapi.Resource{Type: typeAuditEvent, ID: strconv.FormatInt(e.ID, 10), Attributes: auditOut{
			Time: e.Time, Action: e.Action, Grant: e.Grant, Outcome: e.Outcome, Reason: e.Reason,
			ClientID: e.ClientID, UserID: e.UserID, Target: e.Target, RemoteAddr: e.RemoteAddr, RequestID: e.RequestID,
		}})
	}
	links := &jsonapi.Links{Self: r.URL.RequestURI()}
	if next != nil {
		links.Next = nextWithFilters(r, next.String())
	}
	jsonapi.Write(w, http.StatusOK, jsonapi.Document{Data: items, Links: links})
	return nil
}

// parseAuditCursor reads the position of the last event of the previous
// page (domain.AuditCursor.String).
func parseAuditCursor(s string) (*domain.AuditCursor, error) {
	c, ok := domain.ParseAuditCursor(s)
	if !ok {
		return nil, jsonapi.BadParameter("page[after]", "page[after] is not a cursor this server gave")
	}
	return c, nil
}

// nextWithFilters links the page after cursor, keeping every other query
// parameter (the filters), unlike jsonapi.NextLink.
func nextWithFilters(r *http.Request, cursor string) string {
	q := r.URL.Query()
	q.Set("page[after]", cursor)
	return r.URL.EscapedPath() + "?" + q.Encode()
}

// timeParam reads an optional RFC 3339 time.
func timeParam(q url.Values, name string) (time.Time, error) {
	v := q.Get(name)
	if v == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, v)
	if err != nil {
		return time.Time{}, jsonapi.BadParameter(name, "%s must be an RFC 3339 time, e.g. 2026-01-02T15:04:05Z", name)
	}
	return t, nil
}
