package adminapi

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
)

// Configuration as code runs the admin API's own handlers in process,
// one call per resource, so that a file goes through exactly the checks,
// permissions and storage the same calls over HTTP would.

// attrs are a resource's attributes as JSON values, compared as such.
type attrs map[string]json.RawMessage

// resource is a resource a handler answered with.
type resource struct {
	ID         string `json:"id"`
	Attributes attrs  `json:"attributes"`
}

// recorder is the http.ResponseWriter of an in-process call.
type recorder struct {
	header http.Header
	status int
	body   bytes.Buffer
}

func (r *recorder) Header() http.Header         { return r.header }
func (r *recorder) Write(b []byte) (int, error) { return r.body.Write(b) }
func (r *recorder) WriteHeader(status int)      { r.status = status }

// invoke runs fn as if method path had been called by c with body, a
// JSON:API document (nil: none), the path's {id} being id. It returns
// what the handler wrote, or the error it returned.
func (h *Handler) invoke(ctx context.Context, c call, fn handlerFunc, method, path, query, id string, body any) (*recorder, error) {
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			return nil, err
		}
	}
	r, err := http.NewRequestWithContext(ctx, method, route.Prefix(c.tenant)+path, bytes.NewReader(b))
	if err != nil {
		return nil, err
	}
	r.URL.RawQuery = query
	if body != nil {
		r.Header.Set("Content-Type", jsonapi.MediaType)
	}
	r.SetPathValue("id", id)
	w := &recorder{header: http.Header{}, status: http.StatusOK}
	if err := fn(w, r, c); err != nil {
		return nil, err
	}
	return w, nil
}

// one runs a handler that answers one resource.
func (h *Handler) one(ctx context.Context, c call, fn handlerFunc, method, path, id string, body any) (*resource, error) {
	w, err := h.invoke(ctx, c, fn, method, path, "", id, body)
	if err != nil {
		return nil, err
	}
	if w.status == http.StatusNoContent {
		return nil, nil
	}
	var doc struct{ Data resource }
	if err := json.Unmarshal(w.body.Bytes(), &doc); err != nil {
		return nil, err
	}
	return &doc.Data, nil
}

// all lists a whole collection, a page at a time.
func (h *Handler) all(ctx context.Context, c call, k configKind) ([]resource, error) {
	var out []resource
	for after := ""; ; {
		q := url.Values{"page[size]": {strconv.Itoa(jsonapi.MaxPageSize)}}
		if after != "" {
			q.Set("page[after]", after)
		}
		w, err := h.invoke(ctx, c, k.list, http.MethodGet, "/api/v1/entities/"+k.member, q.Encode(), "", nil)
		if err != nil {
			return nil, err
		}
		var doc struct {
			Data  []resource
			Links struct{ Next string }
		}
		if err := json.Unmarshal(w.body.Bytes(), &doc); err != nil {
			return nil, err
		}
		out = append(out, doc.Data...)
		if doc.Links.Next == "" {
			return out, nil
		}
		next, err := url.Parse(doc.Links.Next)
		if err != nil {
			return nil, err
		}
		after = next.Query().Get("page[after]")
	}
}

// document is the JSON:API request document of a create or an update.
func document(typ, id string, a attrs) any {
	return map[string]any{"data": map[string]any{"type": typ, "id": id, "attributes": a}}
}

// str is the string attribute name, "" when it is absent or no string.
func (a attrs) str(name string) string {
	var v string
	_ = json.Unmarshal(a[name], &v)
	return v
}

// without returns a without the attributes named.
func (a attrs) without(names ...string) attrs {
	out := attrs{}
	for k, v := range a {
		if !slices.Contains(names, k) {
			out[k] = v
		}
	}
	return out
}

// changed lists the attributes of want whose values differ from have's,
// in JSON terms (key order and spacing aside), sorted.
func changed(want, have attrs) []string {
	var out []string
	for k, v := range want {
		if !sameJSON(v, have[k]) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// sameJSON reports whether have already says what want says: equal
// scalars, lists of the same length whose items do, objects whose every
// member in want does (a member want leaves out is the server's default,
// which have spells out: an API resource's "public": false).
func sameJSON(want, have json.RawMessage) bool {
	if have == nil {
		return false
	}
	var x, y any
	if json.Unmarshal(want, &x) != nil || json.Unmarshal(have, &y) != nil {
		return false
	}
	return covers(x, y)
}

func covers(want, have any) bool {
	switch w := want.(type) {
	case map[string]any:
		h, ok := have.(map[string]any)
		if !ok {
			return false
		}
		for k, v := range w {
			if hv, ok := h[k]; !ok || !covers(v, hv) {
				return false
			}
		}
		return true
	case []any:
		h, ok := have.([]any)
		if !ok || len(h) != len(w) {
			return false
		}
		for i := range w {
			if !covers(w[i], h[i]) {
				return false
			}
		}
		return true
	}
	nx, _ := json.Marshal(want)
	ny, _ := json.Marshal(have)
	return bytes.Equal(nx, ny)
}

// itemError is the error of the item at path of the document: its
// pointer, relative to the resource's attributes, is made relative to the
// document, and its detail names the item.
func itemError(err error, path, what string) error {
	obj := errorObject(err)
	if obj.Status == "500" || obj.Status == "503" {
		return err
	}
	pointer := path
	if obj.Source != nil {
		if rest, ok := strings.CutPrefix(obj.Source.Pointer, "/data/attributes"); ok {
			pointer += rest
		}
	}
	status, _ := strconv.Atoi(obj.Status)
	// The answer is the item's error; the cause stays reachable
	// (errors.Is ErrConflict: serve --config retries on it).
	return errors.Join(&jsonapi.Error{Status: status, Code: obj.Code, Detail: what + ": " + obj.Detail, Pointer: pointer, HasPointer: true}, err)
}

// errDryRun rolls back a dry run's transaction once every write passed.
var errDryRun = errors.New("dry run")
