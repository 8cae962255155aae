package adminapi

import (
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/authheader"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
	"github.com/tollgate-dev/tollgate/internal/httpapi/reqid"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// errorStatuses is the one table from domain and use-case errors to the
// admin API's responses. It lives here, with the HTTP layer, so that the
// use cases know no statuses and the wire format (jsonapi) knows no use
// cases.
var errorStatuses = []struct {
	err    error
	status int
	code   string
	detail string // shown instead of the error's text, which is for logs
}{
	{domain.ErrUnavailable, http.StatusServiceUnavailable, "unavailable", "the database is temporarily unavailable, retry shortly"},
	{domain.ErrNotFound, http.StatusNotFound, "not_found", ""},
	{authheader.ErrMalformed, http.StatusBadRequest, "invalid_request", ""},
	{domain.ErrConflict, http.StatusConflict, "conflict", ""},
	{admin.ErrUnauthenticated, http.StatusUnauthorized, "unauthenticated", ""},
	{admin.ErrForbidden, http.StatusForbidden, "forbidden", ""},
	{secret.ErrOverloaded, http.StatusServiceUnavailable, "overloaded", ""},
	{token.ErrUnsupportedAlgorithm, http.StatusBadRequest, "unsupported_algorithm", ""},
}

// writeError writes err as a JSON:API errors document. Errors it does not
// know are logged with their cause and shown as "internal error" with a
// request id that links the two.
func writeError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	obj := errorObject(err)
	switch obj.Status {
	case "401":
		// RFC 6750 §3: no error attribute when no credential was sent.
		w.Header().Set("WWW-Authenticate", `Bearer realm="tollgate"`)
	case "503":
		w.Header().Set("Retry-After", "1")
		if errors.Is(err, domain.ErrUnavailable) {
			logger(log).WarnContext(r.Context(), "database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		}
	case "500":
		obj.ID = requestID(w, r)
		logger(log).ErrorContext(r.Context(), "internal error", "request_id", obj.ID,
			"method", r.Method, "path", r.URL.Path, "err", err)
	}
	jsonapi.WriteErrorObject(w, obj)
}

func errorObject(err error) jsonapi.ErrorObject {
	if obj, ok := jsonapi.ObjectOf(err); ok {
		return obj
	}
	for _, m := range errorStatuses {
		if errors.Is(err, m.err) {
			if m.detail != "" {
				return jsonapi.NewErrorObject(m.status, m.code, m.detail)
			}
			return jsonapi.NewErrorObject(m.status, m.code, err.Error())
		}
	}
	return jsonapi.NewErrorObject(http.StatusInternalServerError, "internal", "internal error")
}

func logger(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.Default()
	}
	return log
}

// requestID returns the id reqid.Middleware gave the request, or a new
// one when the handler runs without it.
func requestID(w http.ResponseWriter, r *http.Request) string {
	if id := reqid.From(r.Context()); id != "" {
		return id
	}
	id := rand.Text()[:16]
	w.Header().Set("X-Request-Id", id)
	return id
}
