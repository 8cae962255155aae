package adminapi

import (
	"net/http"
	"time"

	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
)

const (
	typeTokenCount      = "tokenCount"
	typeApplicationUser = "applicationUser"
)

type tokenCountOut struct {
	Start    time.Time `json:"start"`
	Interval string    `json:"interval"`
	Grant    string    `json:"grant"`
	ClientID string    `json:"clientId"`
	Count    int64     `json:"count"`
}

// tokenStats serves GET /api/v1/stats/tokens?interval=hour|day&since=&until=:
// tokens issued per bucket, grant and application. Without since, the
// last 7 days (hours) or 30 days (days) up to until (default now).
func (h *Handler) tokenStats(w http.ResponseWriter, r *http.Request, c call) error {
	q := r.URL.Query()
	interval := q.Get("interval")
	bucket, span := time.Hour, 7*24*time.Hour
	switch interval {
	case "", "hour":
		interval = "hour"
	case "day":
		bucket, span = 24*time.Hour, 30*24*time.Hour
	default:
		return jsonapi.BadParameter("interval", "interval must be hour or day")
	}
	since, err := timeParam(q, "since")
	if err != nil {
		return err
	}
	until, err := timeParam(q, "until")
	if err != nil {
		return err
	}
	if until.IsZero() {
		until = h.Service.Now().UTC().Truncate(bucket).Add(bucket)
	}
	if since.IsZero() {
		since = until.Add(-span)
	}
	counts, err := h.Service.TokenCounts(r.Context(), c.p, c.tenant, since, until, bucket)
	if err != nil {
		return err
	}
	items := make([]jsonapi.Resource, 0, len(counts))
	for _, n := range counts {
		items = append(items, jsonapi.Resource{Type: typeTokenCount,
			ID:         n.Start.Format(time.RFC3339) + "/" + n.Grant + "/" + n.ClientID,
			Attributes: tokenCountOut{Start: n.Start, Interval: interval, Grant: n.Grant, ClientID: n.ClientID, Count: n.Count}})
	}
	jsonapi.Write(w, http.StatusOK, jsonapi.Document{Data: items, Links: &jsonapi.Links{Self: r.URL.RequestURI()},
		Meta: map[string]any{"since": since.UTC(), "until": until.UTC(), "interval": interval}})
	return nil
}

type appUserOut struct {
	FirstSeen time.Time `json:"firstSeen"`
}

// applicationUsers serves GET /api/v1/stats/applications/{id}/users: the
// users registered with the application, paged, with meta.total.
func (h *Handler) applicationUsers(w http.ResponseWriter, r *http.Request, c call) error {
	pg, err := jsonapi.ParsePage(r)
	if err != nil {
		return err
	}
	users, total, next, err := h.Service.ApplicationUsers(r.Context(), c.p, c.tenant, r.PathValue("id"), pg)
	if err != nil {
		return err
	}
	items := make([]jsonapi.Resource, 0, len(users))
	for _, u := range users {
		items = append(items, jsonapi.Resource{Type: typeApplicationUser, ID: u.UserID, Attributes: appUserOut{FirstSeen: u.FirstSeen}})
	}
	links := &jsonapi.Links{Self: r.URL.RequestURI(), Next: jsonapi.NextLink(r, next)}
	jsonapi.Write(w, http.StatusOK, jsonapi.Document{Data: items, Links: links, Meta: map[string]any{"total": total}})
	return nil
}
