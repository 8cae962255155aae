package jsonapi_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
)

type attrs struct {
	Name  *string   `json:"name"`
	Roles *[]string `json:"roles"`
}

func TestDecode(t *testing.T) {
	big := `{"data":{"type":"user","attributes":{"name":"` + strings.Repeat("x", jsonapi.MaxBody) + `"}}}`
	tests := []struct {
		name        string
		contentType string
		body        string
		urlID       string
		status      int
		pointer     string
	}{
		{"ok", jsonapi.MediaType, `{"data":{"type":"user","id":"a","attributes":{"name":"A"}}}`, "", 0, ""},
		{"plain json", "application/json; charset=utf-8", `{"data":{"type":"user","attributes":{}}}`, "", 0, ""},
		{"matching id", jsonapi.MediaType, `{"data":{"type":"user","id":"a"}}`, "a", 0, ""},
		{"wrong media type", "text/plain", `{}`, "", 415, ""},
		{"plain JSON with charset", "application/json; charset=utf-8", `{"data":{"type":"user"}}`, "", 0, ""},
		{"RFC 6839 +json suffix", "application/vnd.gooddata.api+json", `{"data":{"type":"user"}}`, "", 0, ""},
		{"+json suffix with charset", "Application/Vnd.Gooddata.Api+JSON; charset=UTF-8", `{"data":{"type":"user"}}`, "", 0, ""},
		{"bare +json suffix", "application/+json", `{}`, "", 415, ""},
		{"+json outside application", "text/vnd.x+json", `{}`, "", 415, ""},
		{"+json not at the end", "application/x+json+xml", `{}`, "", 415, ""},
		{"no media type", "", `{}`, "", 415, ""},
		{"too large", jsonapi.MediaType, big, "", 413, ""},
		{"malformed", jsonapi.MediaType, `{"data":`, "", 400, ""},
		{"no data", jsonapi.MediaType, `{"meta":{}}`, "", 400, "/data"},
		{"null data", jsonapi.MediaType, `{"data":null}`, "", 400, "/data"},
		{"data not object", jsonapi.MediaType, `{"data":[1]}`, "", 400, "/data"},
		{"wrong type", jsonapi.MediaType, `{"data":{"type":"role"}}`, "", 400, "/data/type"},
		{"id mismatch", jsonapi.MediaType, `{"data":{"type":"user","id":"b"}}`, "a", 400, "/data/id"},
		{"unknown attribute", jsonapi.MediaType, `{"data":{"type":"user","attributes":{"nme":"x"}}}`, "", 400, "/data/attributes/nme"},
		{"wrong attribute type", jsonapi.MediaType, `{"data":{"type":"user","attributes":{"roles":"x"}}}`, "", 400, "/data/attributes/roles"},
		{"attributes not object", jsonapi.MediaType, `{"data":{"type":"user","attributes":3}}`, "", 400, "/data/attributes"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/x", strings.NewReader(tc.body))
			if tc.contentType != "" {
				r.Header.Set("Content-Type", tc.contentType)
			}
			w := httptest.NewRecorder()
			var a attrs
			_, err := jsonapi.Decode(w, r, "user", tc.urlID, &a)
			if tc.status == 0 {
				if err != nil {
					t.Fatalf("Decode: %v", err)
				}
				return
			}
			obj, ok := jsonapi.ObjectOf(err)
			if !ok || obj.Status != fmt.Sprint(tc.status) {
				t.Fatalf("Decode error %v: object %+v (%v), want status %d", err, obj, ok, tc.status)
			}
			if tc.status == 400 && (obj.Source == nil || obj.Source.Pointer != tc.pointer) {
				t.Errorf("source = %+v, want pointer %q", obj.Source, tc.pointer)
			}
		})
	}
}

// TestObjectOf: the errors whose type decides their response, and only
// they, have an object without a table.
func TestObjectOf(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status string // "": not decided by its type
		source *jsonapi.ErrorSource
	}{
		{"bad request", jsonapi.BadRequest("/data/id", "no"), "400", &jsonapi.ErrorSource{Pointer: "/data/id"}},
		{"bad request about the document", jsonapi.BadRequest("", "no"), "400", &jsonapi.ErrorSource{Pointer: ""}},
		{"bad parameter", jsonapi.BadParameter("page[size]", "no"), "400", &jsonapi.ErrorSource{Parameter: "page[size]"}},
		{"too large", fmt.Errorf("reading: %w", jsonapi.TooLarge(1)), "413", nil},
		{"invalid attribute", domain.Invalid("email", "bad"), "400", &jsonapi.ErrorSource{Pointer: "/data/attributes/email"}},
		{"invalid id", domain.Invalid("id", "bad"), "400", &jsonapi.ErrorSource{Pointer: "/data/id"}},
		{"invalid resource", domain.Invalid("", "bad"), "400", &jsonapi.ErrorSource{Pointer: "/data"}},
		{"sentinel", domain.ErrNotFound, "", nil},
		{"unknown", errors.New("disk on fire"), "", nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			obj, ok := jsonapi.ObjectOf(tc.err)
			if ok != (tc.status != "") || obj.Status != tc.status {
				t.Fatalf("ObjectOf = %+v, %v; want status %q", obj, ok, tc.status)
			}
			if fmt.Sprint(obj.Source) != fmt.Sprint(tc.source) {
				t.Errorf("source = %+v, want %+v", obj.Source, tc.source)
			}
		})
	}
}

func TestWriteErrorObject(t *testing.T) {
	w := httptest.NewRecorder()
	jsonapi.WriteErrorObject(w, jsonapi.NewErrorObject(http.StatusConflict, "conflict", "taken"))
	obj := readError(t, w.Result(), http.StatusConflict)
	if obj.Code != "conflict" || obj.Title != "Conflict" || obj.Detail != "taken" {
		t.Errorf("object = %+v", obj)
	}
}

func TestPage(t *testing.T) {
	r := httptest.NewRequest("GET", "/api/v1/entities/users?page[size]=2", nil)
	p, err := jsonapi.ParsePage(r)
	if err != nil || p.Limit != 2 {
		t.Fatalf("ParsePage = %+v, %v", p, err)
	}
	if got, want := jsonapi.NextLink(r, "b c"), "/api/v1/entities/users?page%5Bafter%5D=b+c&page%5Bsize%5D=2"; got != want {
		t.Errorf("NextLink = %q, want %q", got, want)
	}
	for _, bad := range []string{"0", "x", "100000"} {
		r := httptest.NewRequest("GET", "/?page[size]="+bad, nil)
		if _, err := jsonapi.ParsePage(r); err == nil {
			t.Errorf("page[size]=%s accepted", bad)
		}
	}
}

func readError(t *testing.T, res *http.Response, status int) jsonapi.ErrorObject {
	t.Helper()
	if res.StatusCode != status {
		t.Fatalf("status = %d, want %d", res.StatusCode, status)
	}
	if ct := res.Header.Get("Content-Type"); ct != jsonapi.MediaType {
		t.Errorf("Content-Type = %q", ct)
	}
	body, _ := io.ReadAll(res.Body)
	var doc jsonapi.RawDocument
	if err := json.Unmarshal(body, &doc); err != nil || len(doc.Errors) != 1 {
		t.Fatalf("body %s: %v", body, err)
	}
	obj := doc.Errors[0]
	if obj.Status != fmt.Sprint(status) || obj.Code == "" || obj.Title == "" {
		t.Errorf("error object = %+v", obj)
	}
	return obj
}
