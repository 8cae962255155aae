package adminapi_test

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"testing"
)

// TestEntityIDsThatURLsLose: ids that a URL path segment drops or changes
// are refused at creation, for every entity a client names, with a 400
// that points at data.id and names the id.
func TestEntityIDsThatURLsLose(t *testing.T) {
	e := newEnv(t)
	tok := e.jwt("acme", "alice", "tollgate:admin")
	e.must(e.do("POST", "/acme/api/v1/entities/users", tok, `{"data":{"type":"user","id":"john"}}`), 201)
	collections := map[string]string{
		"user":     "/acme/api/v1/entities/users",
		"role":     "/acme/api/v1/entities/roles",
		"scope":    "/acme/api/v1/entities/scopes",
		"api":      "/acme/api/v1/entities/apis",
		"apiToken": "/acme/api/v1/entities/users/john/apiTokens",
		"tenant":   "/api/v1/entities/tenants",
	}
	attrs := map[string]string{
		"api":    `{"context":"/x","upstream":"http://127.0.0.1:9000","resources":[]}`,
		"tenant": `{"name":"x"}`,
	}
	for typ, coll := range collections {
		for _, id := range []string{".", "..", "50%off", " lead", "trail ", "tab\there"} {
			t.Run(typ+" "+strconv.Quote(id), func(t *testing.T) {
				idJSON, _ := json.Marshal(id)
				body := `{"data":{"type":"` + typ + `","id":` + string(idJSON)
				if a, ok := attrs[typ]; ok {
					body += `,"attributes":` + a
				}
				body += `}}`
				r := e.must(e.do("POST", coll, bootstrapToken, body), http.StatusBadRequest)
				if len(r.doc.Errors) != 1 || r.doc.Errors[0].Source == nil || r.doc.Errors[0].Source.Pointer != "/data/id" ||
					!strings.Contains(r.doc.Errors[0].Detail, strconv.Quote(id)) {
					t.Errorf("errors %s, want one at /data/id naming %q", r.raw, id)
				}
			})
		}
	}
}
