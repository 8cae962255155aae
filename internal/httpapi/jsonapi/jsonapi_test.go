package jsonapi_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/admin"
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
			jsonapi.WriteError(w, r, nil, err)
			obj := readError(t, w.Result(), tc.status)
			if obj.Source == nil || obj.Source.Pointer != tc.pointer {
				if tc.status == 400 {
					t.Errorf("source = %+v, want pointer %q", obj.Source, tc.pointer)
				}
			}
		})
	}
}

func TestWriteErrorTable(t *testing.T) {
	var logs bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logs, nil))
	tests := []struct {
		name   string
		err    error
		status int
	}{
		{"not found", fmt.Errorf("user %q: %w", "x", domain.ErrNotFound), 404},
		{"conflict", domain.ErrConflict, 409},
		{"invalid", domain.Invalid("email", "bad"), 400},
		{"unauthenticated", admin.ErrUnauthenticated, 401},
		{"forbidden", admin.ErrForbidden, 403},
		{"protocol", jsonapi.TooLarge(1), 413},
		{"unknown", errors.New("disk on fire"), 500},
		{"database unavailable", fmt.Errorf("user: %w: dial tcp 10.1.2.3:5432: refused", domain.ErrUnavailable), 503},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := httptest.NewRecorder()
			jsonapi.WriteError(w, httptest.NewRequest("GET", "/", nil), log, tc.err)
			res := w.Result()
			obj := readError(t, res, tc.status)
			switch tc.status {
			case 401:
				if got := res.Header.Get("WWW-Authenticate"); got != `Bearer realm="tollgate"` {
					t.Errorf("WWW-Authenticate = %q", got)
				}
			case 400:
				if obj.Source == nil || obj.Source.Pointer != "/data/attributes/email" {
					t.Errorf("source = %+v", obj.Source)
				}
			case 503:
				if res.Header.Get("Retry-After") == "" || strings.Contains(obj.Detail, "10.1.2.3") ||
					!strings.Contains(logs.String(), "10.1.2.3") {
					t.Errorf("503: Retry-After %q, object %+v, cause logged only: %s", res.Header.Get("Retry-After"), obj, logs.String())
				}
			case 500:
				if obj.Detail != "internal error" || obj.ID == "" {
					t.Errorf("500 object = %+v", obj)
				}
				if strings.Contains(obj.Detail, "disk") || !strings.Contains(logs.String(), "disk on fire") ||
					!strings.Contains(logs.String(), obj.ID) {
					t.Errorf("cause not logged with request id, or leaked: %+v / %s", obj, logs.String())
				}
			}
		})
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
