package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/reqid"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// page is what the layout shows; Data holds the page's own content.
type page struct {
	Title string
	// Section is the navigation entry to mark as current.
	Section string
	// Filled in by render.
	Tenant, TenantName, Base, Static, CSRF string
	User, Until, SignOut                   string
	Admin, Bootstrap                       bool
	// Flash reports what the last action did.
	Flash string
	// Message is the text of the message and problem pages; Retry is
	// the problem page's way back.
	Message, Problem, Retry string
	Form                    *form
	Data                    any
}

// form is a submitted form shown again: its values and what was wrong,
// field by field (Errors) or as a whole (Error).
type form struct {
	Values url.Values
	Errors map[string]string
	Error  string
}

// newForm starts a form with values, nil for an empty one.
func newForm(values url.Values) *form {
	if values == nil {
		values = url.Values{}
	}
	return &form{Values: values, Errors: map[string]string{}}
}

// Get is the value of field name.
func (f *form) Get(name string) string {
	if f == nil {
		return ""
	}
	return f.Values.Get(name)
}

// Has reports whether the (multi-valued) field name holds v.
func (f *form) Has(name, v string) bool {
	if f == nil {
		return false
	}
	for _, x := range f.Values[name] {
		if x == v {
			return true
		}
	}
	return false
}

// Err is field name's error message.
func (f *form) Err(name string) string {
	if f == nil {
		return ""
	}
	return f.Errors[name]
}

// Failed reports whether the form has an error.
func (f *form) Failed() bool { return f != nil && (f.Error != "" || len(f.Errors) > 0) }

// fail records err on the form the way the admin API reports it: a
// validation error next to its field (field names are the API's
// attribute names, which are the forms' field names), a conflict next to
// conflictField, anything else above the form. It returns the status to
// answer with.
func (f *form) fail(h *Handler, r *http.Request, err error, conflictField string) int {
	var invalid *domain.InvalidError
	switch {
	case errors.As(err, &invalid) && invalid.Field != "":
		f.Errors[invalid.Field] = invalid.Reason
		return http.StatusUnprocessableEntity
	case errors.As(err, &invalid):
		f.Error = invalid.Reason
		return http.StatusUnprocessableEntity
	case errors.Is(err, domain.ErrConflict) && conflictField != "":
		f.Errors[conflictField] = conflictMessage(err)
		return http.StatusConflict
	}
	status, msg := errorMessage(err)
	if status == http.StatusInternalServerError {
		id := reqid.From(r.Context())
		h.Logger.ErrorContext(r.Context(), "console: internal error", "request_id", id, "path", r.URL.Path, "err", err)
		msg += " (request " + id + ")"
	}
	f.Error = msg
	return status
}

// errorMessage is what a page says about a use case's error other than
// a validation error, with its status.
func errorMessage(err error) (int, string) {
	switch {
	case errors.Is(err, domain.ErrUnavailable), errors.Is(err, secret.ErrOverloaded):
		return http.StatusServiceUnavailable, "The service is temporarily unavailable; nothing was changed. Try again shortly."
	case errors.Is(err, domain.ErrNotFound):
		return http.StatusNotFound, "It no longer exists: " + err.Error() + "."
	case errors.Is(err, domain.ErrConflict):
		return http.StatusConflict, conflictMessage(err)
	case errors.Is(err, admin.ErrForbidden):
		return http.StatusForbidden, "You may not do this."
	case errors.Is(err, token.ErrUnsupportedAlgorithm):
		return http.StatusBadRequest, err.Error()
	}
	return http.StatusInternalServerError, "Something went wrong; nothing was changed."
}

func conflictMessage(err error) string {
	return strings.TrimSuffix(err.Error(), ": "+domain.ErrConflict.Error()) + " already exists or was changed meanwhile."
}

// maxFormBytes bounds a console form's body (uploads have their own).
const maxFormBytes = 256 << 10

// readForm reads a POST of one of the console's own pages: signed in,
// from our origin, with its CSRF token. On a failure it has answered and
// ok is false; a stale or cross-site form changes nothing.
func (h *Handler) readForm(w http.ResponseWriter, r *http.Request, gate func(http.ResponseWriter, *http.Request) (*visit, bool)) (*visit, bool) {
	v, ok := gate(w, r)
	if !ok {
		return nil, false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil || !h.forms.Check(r) {
		h.render(w, r, v, http.StatusForbidden, "message", &page{Title: "Form refused",
			Message: "This form expired or was sent from another site, so nothing was changed. Go back, reload the page and send it again."})
		return nil, false
	}
	return v, true
}

// doneFlash is the message of the action a redirect reports by a fixed
// code in its query (?done=deleted): a page never shows text taken from
// the URL, which anyone could write.
func doneFlash(r *http.Request, messages map[string]string) string {
	return messages[r.URL.Query().Get("done")]
}

// seeOther ends a successful POST: back to a page (Post/Redirect/Get).
func seeOther(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}
