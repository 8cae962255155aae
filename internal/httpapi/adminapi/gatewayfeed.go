package adminapi

import (
	"encoding/json"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/gateway/feedwire"
	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
)

// maxFeedWait bounds a long poll, below common proxy idle timeouts.
const maxFeedWait = 25 * time.Second

func writeJSON(w http.ResponseWriter, v any) error {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	return json.NewEncoder(w).Encode(v)
}

func (h *Handler) feedAPIs(w http.ResponseWriter, r *http.Request, c call) error {
	xs, err := h.Service.GatewayAPIs(r.Context(), c.p)
	if err != nil {
		return err
	}
	return writeJSON(w, feedwire.FromAPIs(xs))
}

func (h *Handler) feedKeys(w http.ResponseWriter, r *http.Request, c call) error {
	keys, err := h.Service.GatewayKeys(r.Context(), c.p, r.PathValue("tenant"))
	if err != nil {
		return err
	}
	return writeJSON(w, feedwire.FromKeys(keys))
}

// feedQuery parses a long poll's after, limit and waitMs.
func feedQuery(r *http.Request) (after int64, limit int, wait time.Duration, err error) {
	q := r.URL.Query()
	after, err1 := strconv.ParseInt(q.Get("after"), 10, 64)
	limit, err2 := strconv.Atoi(q.Get("limit"))
	waitMs, err3 := strconv.Atoi(q.Get("waitMs"))
	if err1 != nil || err2 != nil || err3 != nil || after < 0 || limit <= 0 || limit > 10000 || waitMs < 0 {
		return 0, 0, 0, jsonapi.BadRequest("", "after (≥ 0), limit (1…10000) and waitMs are required integers")
	}
	return after, limit, min(time.Duration(waitMs)*time.Millisecond, maxFeedWait), nil
}

func (h *Handler) feedRevocations(w http.ResponseWriter, r *http.Request, c call) error {
	after, limit, wait, err := feedQuery(r)
	if err != nil {
		return err
	}
	revs, err := h.Service.GatewayRevocations(r.Context(), c.p, after, limit, wait)
	if err != nil {
		return err
	}
	return writeJSON(w, feedwire.FromRevocations(revs))
}

// feedChanges answers the change feed; without after, only its position.
func (h *Handler) feedChanges(w http.ResponseWriter, r *http.Request, c call) error {
	if !r.URL.Query().Has("after") {
		pos, err := h.Service.GatewayFeedPosition(r.Context(), c.p)
		if err != nil {
			return err
		}
		return writeJSON(w, feedwire.FromChanges(nil, pos))
	}
	after, limit, wait, err := feedQuery(r)
	if err != nil {
		return err
	}
	changes, pos, err := h.Service.GatewayChanges(r.Context(), c.p, after, limit, wait)
	if err != nil {
		return err
	}
	return writeJSON(w, feedwire.FromChanges(changes, pos))
}

// feedVerifyAPIToken resolves an API token for a remote gateway; the
// token travels in the body so it never lands in an access log.
func (h *Handler) feedVerifyAPIToken(w http.ResponseWriter, r *http.Request, c call) error {
	if err := admin.CanReadGatewayFeed(c.p); err != nil {
		return err
	}
	var in feedwire.VerifyAPIToken
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 16<<10)).Decode(&in); err != nil {
		return jsonapi.BadRequest("", "body must be {\"tenant\",\"token\"}")
	}
	p, err := h.Auth.LookupAPIToken(r.Context(), in.Tenant, in.Token)
	if errors.Is(err, admin.ErrUnauthenticated) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_, _ = w.Write([]byte(`{"error":"invalid_token"}` + "\n"))
		return nil
	}
	if err != nil {
		return err
	}
	return writeJSON(w, feedwire.APITokenIdentity{Tenant: p.Tenant, Subject: p.Subject, Scopes: p.Scopes})
}
