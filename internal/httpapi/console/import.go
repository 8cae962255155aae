package console

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
	"github.com/tollgate-dev/tollgate/internal/importer"
)

func (h *Handler) registerImport(m *route.Mux) {
	m.Tenant("GET /console/import", h.importForm)
	m.Tenant("POST /console/import", h.importUsers)
}

// Bounds of an upload: a file larger than maxUploadBytes is refused (the
// CLI streams bigger ones through the admin API); up to uploadMemory of
// it is kept in memory, the rest in a temporary file that net/http
// removes when the request ends. The server's timeouts suit forms, not a
// large upload and its import; this request gets its own.
const (
	maxUploadBytes = 64 << 20
	uploadMemory   = 1 << 20
	importDeadline = 30 * time.Minute
)

// importData is the import page: its form, or the import under way
// (Running), whose report comes after the streamed progress.
type importData struct {
	Running bool
	File    string
	Report  *importer.Report
	Aborted string // why the import stopped early, "" when it did not
	Base    string // the console's, for the report's links
}

// importForm serves GET /console/import.
func (h *Handler) importForm(w http.ResponseWriter, r *http.Request) {
	v, ok := h.adminVisit(w, r)
	if !ok {
		return
	}
	h.render(w, r, v, http.StatusOK, "import", &page{Title: "Import users", Section: "import", Form: newForm(nil),
		Data: importData{}})
}

// importUsers serves POST /console/import: a multipart upload of a CSV
// file. The answer is streamed: the page up to its progress section at
// once, then a line each time the importer finishes a batch, then the
// report, so a long import shows how far it got without any script.
func (h *Handler) importUsers(w http.ResponseWriter, r *http.Request) {
	// readForm's own ParseForm finds the multipart form the gate parsed
	// (r.PostForm is set), so it checks the CSRF token and the origin of
	// the upload like any other form before anything is imported.
	v, ok := h.readForm(w, r, h.uploadGate)
	if !ok {
		return
	}
	f := newForm(nil)
	fail := func(status int, msg string) {
		f.Errors["file"] = msg
		h.render(w, r, v, status, "import", &page{Title: "Import users", Section: "import", Form: f, Data: importData{}})
	}
	if r.MultipartForm == nil || len(r.MultipartForm.File["file"]) == 0 {
		fail(http.StatusUnprocessableEntity, "is required: choose a CSV file")
		return
	}
	upload := r.MultipartForm.File["file"][0]
	file, err := upload.Open()
	if err != nil {
		fail(http.StatusBadRequest, "could not be read; send it again")
		return
	}
	defer file.Close()
	src, err := importer.NewCSVSource(file)
	if err != nil {
		fail(http.StatusUnprocessableEntity, err.Error())
		return
	}
	_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(importDeadline))
	d := importData{Running: true, File: upload.Filename, Base: route.Prefix(v.Tenant) + "/console"}
	s, ok := h.startStream(w, r, v, &page{Title: "Import users", Section: "import", Data: d})
	if !ok {
		return
	}
	rep, err := h.Admin.ImportUsers(r.Context(), v.P, v.Tenant, domain.SourceCSV, src, func(rows int) {
		s.line(fmt.Sprintf("<p class=\"import-progress\">%d rows so far…</p>\n", rows))
	})
	if err != nil {
		d.Aborted = h.importAborted(r, rep, err)
	}
	d.Report = rep
	s.finish(d)
}

// uploadGate is adminVisit that then reads the upload, with its own
// bounds: readForm's cap suits forms, not files. A body that is not
// multipart is left for readForm, whose ParseForm reads it as a form.
func (h *Handler) uploadGate(w http.ResponseWriter, r *http.Request) (*visit, bool) {
	v, ok := h.adminVisit(w, r)
	if !ok {
		return nil, false
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(importDeadline))
	r.Body = http.MaxBytesReader(w, r.Body, maxUploadBytes)
	err := r.ParseMultipartForm(uploadMemory)
	var tooBig *http.MaxBytesError
	switch {
	case err == nil, errors.Is(err, http.ErrNotMultipart):
		return v, true
	case errors.As(err, &tooBig):
		f := newForm(nil)
		f.Errors["file"] = "is larger than " + strconv.Itoa(maxUploadBytes>>20) + " MiB; import it with the CLI (tollgate import) instead"
		h.render(w, r, v, http.StatusRequestEntityTooLarge, "import", &page{Title: "Import users", Section: "import",
			Form: f, Data: importData{}})
	default:
		h.render(w, r, v, http.StatusBadRequest, "message", &page{Title: "Import users", Section: "import",
			Message: "The upload could not be read, so nothing was imported. Go back and send the file again."})
	}
	return nil, false
}

// importAborted says why an import stopped early: the rows before it
// are stored. A store failure is logged and shown as a generic reason.
func (h *Handler) importAborted(r *http.Request, rep *importer.Report, err error) string {
	rows := 0
	if rep != nil {
		rows = rep.Rows()
	}
	reason := ""
	if se := (*importer.SourceError)(nil); errors.As(err, &se) {
		reason = se.Error()
	} else {
		f := newForm(nil)
		f.fail(h, r, err, "")
		reason = f.Error
	}
	return "The import stopped after " + strconv.Itoa(rows) + " rows, which are stored: " + reason
}

// streamMark is where the import page's progress goes: the page is
// rendered whole, sent up to and including the mark, and the rest after
// the progress and the report. Escaped content cannot forge it.
var streamMark = []byte(`<div id="import-stream">`)

// stream is an import page being sent.
type stream struct {
	w    http.ResponseWriter
	rc   *http.ResponseController
	h    *Handler
	r    *http.Request
	tail []byte
}

// startStream renders p with render (its headers, its security
// policy) and sends it up to the stream mark.
func (h *Handler) startStream(w http.ResponseWriter, r *http.Request, v *visit, p *page) (*stream, bool) {
	held := &heldBody{ResponseWriter: w}
	h.render(held, r, v, http.StatusOK, "import", p)
	head, tail, found := bytes.Cut(held.body.Bytes(), streamMark)
	if !found {
		// render failed: its error page is all there is to send.
		_, _ = w.Write(held.body.Bytes())
		return nil, false
	}
	s := &stream{w: w, rc: http.NewResponseController(w), h: h, r: r, tail: tail}
	s.line(string(head) + string(streamMark))
	return s, true
}

// line sends html and flushes it, so the browser shows it now. A write
// error is ignored: a browser that left also ended the request's
// context, which stops the import after the batch it is writing.
func (s *stream) line(html string) {
	_, _ = s.w.Write([]byte(html))
	_ = s.rc.Flush()
}

// finish sends the report and the rest of the page.
func (s *stream) finish(d importData) {
	var buf bytes.Buffer
	if err := pages["import"].ExecuteTemplate(&buf, "import-report", d); err != nil {
		s.h.Logger.ErrorContext(s.r.Context(), "console: import report", "err", err)
		buf.WriteString("<p class=\"form-error\">The report could not be shown; the rows are imported.</p>")
	}
	_, _ = s.w.Write(buf.Bytes())
	_, _ = s.w.Write(s.tail)
}

// heldBody passes render's headers and status through to the client
// but keeps the body, which the stream sends in parts.
type heldBody struct {
	http.ResponseWriter
	body bytes.Buffer
}

func (b *heldBody) Write(p []byte) (int, error) { return b.body.Write(p) }
