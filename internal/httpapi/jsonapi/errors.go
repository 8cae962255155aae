package jsonapi

import (
	"crypto/rand"
	"errors"
	"log/slog"
	"net/http"
	"strconv"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/authheader"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/reqid"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// Error is a JSON:API protocol error. Build one with a constructor per
// use, so a shared value is never mutated.
type Error struct {
	Status    int
	Code      string
	Detail    string
	Pointer   string // JSON pointer into the body; see HasPointer
	Parameter string // query parameter at fault
	// HasPointer distinguishes the pointer "" (the whole document) from no
	// pointer at all.
	HasPointer bool
}

func (e *Error) Error() string { return e.Code + ": " + e.Detail }

// BadRequest is a 400 about the body member at pointer.
func BadRequest(pointer, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "bad_request", Detail: sprintf(format, args...), Pointer: pointer, HasPointer: true}
}

// BadParameter is a 400 about a query parameter.
func BadParameter(param, format string, args ...any) *Error {
	return &Error{Status: http.StatusBadRequest, Code: "bad_parameter", Detail: sprintf(format, args...), Parameter: param}
}

// UnsupportedMediaType is a 415.
func UnsupportedMediaType(got string) *Error {
	return &Error{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type",
		Detail: "Content-Type must be " + MediaType + ", application/json or another application/*+json type, not " + strconv.Quote(got)}
}

// TooLarge is a 413.
func TooLarge(limit int64) *Error {
	return &Error{Status: http.StatusRequestEntityTooLarge, Code: "too_large",
		Detail: "request body larger than " + strconv.FormatInt(limit, 10) + " bytes"}
}

// mapping is the one table from domain and use-case errors to responses.
var mapping = []struct {
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

// WriteError writes err as a JSON:API errors document. Errors it does not
// know are logged with their cause and shown as "internal error" with a
// request id that links the two.
func WriteError(w http.ResponseWriter, r *http.Request, log *slog.Logger, err error) {
	obj := toObject(err)
	status, _ := strconv.Atoi(obj.Status)
	switch status {
	case http.StatusUnauthorized:
		// RFC 6750 §3: no error attribute when no credential was sent.
		w.Header().Set("WWW-Authenticate", `Bearer realm="tollgate"`)
	case http.StatusServiceUnavailable:
		w.Header().Set("Retry-After", "1")
		if errors.Is(err, domain.ErrUnavailable) {
			logger(log).WarnContext(r.Context(), "database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		}
	case http.StatusInternalServerError:
		obj.ID = requestID(w, r)
		logger(log).ErrorContext(r.Context(), "internal error", "request_id", obj.ID,
			"method", r.Method, "path", r.URL.Path, "err", err)
	}
	Write(w, status, struct {
		Errors []ErrorObject `json:"errors"`
	}{[]ErrorObject{obj}})
}

func toObject(err error) ErrorObject {
	var je *Error
	if errors.As(err, &je) {
		obj := object(je.Status, je.Code, je.Detail)
		switch {
		case je.Parameter != "":
			obj.Source = &ErrorSource{Parameter: je.Parameter}
		case je.HasPointer:
			obj.Source = &ErrorSource{Pointer: je.Pointer}
		}
		return obj
	}
	var ie *domain.InvalidError
	if errors.As(err, &ie) {
		obj := object(http.StatusBadRequest, "invalid", ie.Error())
		obj.Source = &ErrorSource{Pointer: attributePointer(ie.Field)}
		return obj
	}
	for _, m := range mapping {
		if errors.Is(err, m.err) {
			if m.detail != "" {
				return object(m.status, m.code, m.detail)
			}
			return object(m.status, m.code, err.Error())
		}
	}
	return object(http.StatusInternalServerError, "internal", "internal error")
}

func logger(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.Default()
	}
	return log
}

func object(status int, code, detail string) ErrorObject {
	return ErrorObject{Status: strconv.Itoa(status), Code: code, Title: http.StatusText(status), Detail: detail}
}

// attributePointer points at the member of a resource a field names.
func attributePointer(field string) string {
	switch field {
	case "":
		return "/data"
	case "id", "type":
		return "/data/" + field
	}
	return "/data/attributes/" + field
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
