package adminapi

import (
	"errors"
	"mime"
	"net/http"
	"strconv"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
	"github.com/tollgate-dev/tollgate/internal/importer"
)

const typeUserImport = "userImport"

// Bounds of an import request: the body streams, so its size costs no
// memory, but a runaway upload must end somewhere.
const (
	maxImportBytes = 2 << 30
	importDeadline = 2 * time.Hour
)

// importOut is the report, plus the reason an import stopped early.
type importOut struct {
	*importer.Report
	Aborted string `json:"aborted,omitempty"`
}

// importUsers: POST /api/v1/actions/users/import with a text/csv body
// (header row; columns username, email, display_name, password,
// password_hash, roles). ?source=database marks the users as coming from
// a database (the CLI's --from-db streams its query result as CSV).
func (h *Handler) importUsers(w http.ResponseWriter, r *http.Request, c call) error {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "text/csv" {
		return jsonapi.UnsupportedMediaType(r.Header.Get("Content-Type") + "; send the users as text/csv")
	}
	source := domain.SourceCSV
	if q := r.URL.Query().Get("source"); q != "" {
		source = q
	}
	// The server's read and write timeouts suit API calls, not an upload
	// of a million rows; this request gets its own.
	rc := http.NewResponseController(w)
	_ = rc.SetReadDeadline(time.Now().Add(importDeadline))
	_ = rc.SetWriteDeadline(time.Now().Add(importDeadline))
	src, err := importer.NewCSVSource(http.MaxBytesReader(w, r.Body, maxImportBytes))
	if err != nil {
		return jsonapi.BadRequest("", "%v", err)
	}
	rep, err := h.Service.ImportUsers(r.Context(), c.p, c.tenant, source, src, nil)
	if rep == nil {
		return err
	}
	out := importOut{Report: rep}
	if err != nil {
		// Rows before the failure are stored; say so rather than hide it
		// behind an error status.
		h.Logger.Error("user import stopped", "tenant", c.tenant, "err", err)
		reason := "internal error (logged on the server)"
		if se := (*importer.SourceError)(nil); errors.As(err, &se) {
			reason = se.Error()
		}
		out.Aborted = "the import stopped after " + strconv.Itoa(rep.Rows()) + " rows, which are stored: " + reason
	}
	jsonapi.Write(w, http.StatusOK, jsonapi.Document{Data: &jsonapi.Resource{Type: typeUserImport, Attributes: out}})
	return nil
}
