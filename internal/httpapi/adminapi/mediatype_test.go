package adminapi_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestAnalyticsPlatformCurlLine sends the analytics platform's documented
// request verbatim, header spelling included:
//
//	curl --request POST -H 'Content-type: application/vnd.gooddata.api+json' \
//	    -H 'Authorization: Bearer <other-token>' \
//	    -d '{"data":{"id":"mynewtoken","type":"apiToken"}}' \
//	    https://analytics.alpha.example.com/api/entities/users/john.doe/apiTokens
func TestAnalyticsPlatformCurlLine(t *testing.T) {
	e := newEnv(t)
	e.must(e.do("POST", "/api/v1/entities/users", bootstrapToken, `{"data":{"type":"user","id":"john.doe"}}`), 201)
	other := e.jwt("default", "john.doe", "")
	req, err := http.NewRequest("POST", e.url+"/api/entities/users/john.doe/apiTokens",
		strings.NewReader(`{"data":{"id":"mynewtoken","type":"apiToken"}}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header["Content-type"] = []string{"application/vnd.gooddata.api+json"}
	req.Header["Authorization"] = []string{"Bearer " + other}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	var doc struct {
		Data struct {
			Attributes struct {
				BearerToken string `json:"bearerToken"`
			} `json:"attributes"`
		} `json:"data"`
	}
	if res.StatusCode != http.StatusCreated || json.Unmarshal(body, &doc) != nil || !strings.HasPrefix(doc.Data.Attributes.BearerToken, "tgp_") {
		t.Fatalf("%d %s, want 201 with data.attributes.bearerToken", res.StatusCode, body)
	}
}
