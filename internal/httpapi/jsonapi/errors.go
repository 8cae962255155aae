package jsonapi

import (
	"errors"
	"net/http"
	"strconv"

	"github.com/tollgate-dev/tollgate/internal/domain"
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

// ObjectOf returns the error object of an error whose response its type
// decides: a *Error, or a *domain.InvalidError (400, pointing at the
// attribute at fault). Any other error is for the caller's table of
// statuses.
func ObjectOf(err error) (ErrorObject, bool) {
	var je *Error
	if errors.As(err, &je) {
		obj := NewErrorObject(je.Status, je.Code, je.Detail)
		switch {
		case je.Parameter != "":
			obj.Source = &ErrorSource{Parameter: je.Parameter}
		case je.HasPointer:
			obj.Source = &ErrorSource{Pointer: je.Pointer}
		}
		return obj, true
	}
	var ie *domain.InvalidError
	if errors.As(err, &ie) {
		obj := NewErrorObject(http.StatusBadRequest, "invalid", ie.Error())
		obj.Source = &ErrorSource{Pointer: attributePointer(ie.Field)}
		return obj, true
	}
	return ErrorObject{}, false
}

// NewErrorObject returns an error object with the status's title.
func NewErrorObject(status int, code, detail string) ErrorObject {
	return ErrorObject{Status: strconv.Itoa(status), Code: code, Title: http.StatusText(status), Detail: detail}
}

// WriteErrorObject sends obj as the one member of an errors document,
// with obj's status.
func WriteErrorObject(w http.ResponseWriter, obj ErrorObject) {
	status, _ := strconv.Atoi(obj.Status)
	Write(w, status, struct {
		Errors []ErrorObject `json:"errors"`
	}{[]ErrorObject{obj}})
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
