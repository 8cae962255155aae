package adminclient_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/adminclient"
)

// pagedScopes serves three scopes of tenant acme one per page, and a
// JSON:API error for anything else.
func pagedScopes(t *testing.T) *httptest.Server {
	ids := []string{"a", "b", "c"}
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/vnd.api+json")
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"errors":[{"status":"401","code":"unauthenticated","title":"Unauthorized","detail":"unauthenticated"}]}`)
			return
		}
		if r.URL.Path != "/acme/api/v1/entities/scopes" {
			w.WriteHeader(404)
			fmt.Fprint(w, `{"errors":[{"status":"404","code":"not_found","title":"Not Found","detail":"scope \"x\": not found"}]}`)
			return
		}
		i := 0
		for i < len(ids) && ids[i] <= r.URL.Query().Get("page[after]") {
			i++
		}
		next := ""
		if i+1 < len(ids) {
			next = r.URL.Path + "?page%5Bafter%5D=" + ids[i]
		}
		fmt.Fprintf(w, `{"data":[{"type":"scope","id":%q,"attributes":{"description":"D"}}],"links":{"next":%q}}`, ids[i], next)
	}))
}

func TestListFollowsNext(t *testing.T) {
	srv := pagedScopes(t)
	defer srv.Close()
	c := adminclient.New(srv.URL, "tok", "acme")
	rs, err := c.List(context.Background(), adminclient.Scopes, 0)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 3 || rs[0].ID != "a" || rs[2].ID != "c" {
		t.Errorf("List = %+v", rs)
	}
}

func TestErrorsCarryDetail(t *testing.T) {
	srv := pagedScopes(t)
	defer srv.Close()
	_, err := adminclient.New(srv.URL, "tok", "acme").Get(context.Background(), adminclient.Scopes, "x")
	if err == nil || !strings.Contains(err.Error(), `404 Not Found: scope "x": not found`) {
		t.Errorf("Get error = %v", err)
	}
	_, err = adminclient.New(srv.URL, "bad", "acme").List(context.Background(), adminclient.Scopes, 0)
	var ae *adminclient.Error
	if !errors.As(err, &ae) || ae.Status != 401 {
		t.Errorf("List error = %v", err)
	}
}

// A 401 tells a CLI user which setting to fix.
func TestUnauthorizedNamesTheTokenSetting(t *testing.T) {
	srv := pagedScopes(t)
	defer srv.Close()
	for _, tc := range []struct{ name, token, want string }{
		{"no token", "", "no token given: set TOLLGATE_TOKEN"},
		{"refused token", "bad", "check TOLLGATE_TOKEN"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := adminclient.New(srv.URL, tc.token, "acme").List(context.Background(), adminclient.Scopes, 0)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error = %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestRequestToken(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id, sec, _ := r.BasicAuth()
		if r.URL.Path != "/acme/oauth2/token" || r.PostFormValue("grant_type") != "client_credentials" || id != "c%3A1" || sec != "s" {
			w.WriteHeader(401)
			fmt.Fprint(w, `{"error":"invalid_client","error_description":"bad client"}`)
			return
		}
		fmt.Fprintf(w, `{"access_token":"x","token_type":"Bearer","expires_in":3600,"scope":%q}`, r.PostFormValue("scope"))
	}))
	defer srv.Close()
	c := adminclient.New(srv.URL, "", "acme")
	raw, err := c.RequestToken(context.Background(), adminclient.TokenRequest{ClientID: "c:1", ClientSecret: "s", GrantType: "client_credentials", Scope: "a b"})
	if err != nil || !strings.Contains(string(raw), `"scope":"a b"`) {
		t.Fatalf("RequestToken = %s, %v", raw, err)
	}
	_, err = c.RequestToken(context.Background(), adminclient.TokenRequest{ClientID: "c", ClientSecret: "s", GrantType: "client_credentials"})
	if err == nil || err.Error() != "invalid_client: bad client" {
		t.Errorf("RequestToken error = %v", err)
	}
}

func TestPrint(t *testing.T) {
	rs := []adminclient.Resource{{Type: "role", ID: "reader", Attributes: map[string]any{"scopes": []any{"a", "b"}}}}
	var buf bytes.Buffer
	if err := adminclient.PrintList(&buf, adminclient.FormatTable, adminclient.Columns[adminclient.Roles], rs); err != nil {
		t.Fatal(err)
	}
	if want := "ID      SCOPES\nreader  a,b\n"; buf.String() != want {
		t.Errorf("table = %q, want %q", buf.String(), want)
	}
	buf.Reset()
	if err := adminclient.PrintList(&buf, adminclient.FormatJSON, nil, nil); err != nil || strings.TrimSpace(buf.String()) != "[]" {
		t.Errorf("empty JSON list = %q, %v", buf.String(), err)
	}
	buf.Reset()
	r := &adminclient.Resource{Type: "application", ID: "c", Attributes: map[string]any{"accessTokenTtl": 3600.0, "name": "shop"}}
	if err := adminclient.PrintOne(&buf, adminclient.FormatJSON, nil, r); err != nil || !json.Valid(buf.Bytes()) {
		t.Errorf("JSON = %q, %v", buf.String(), err)
	}
	if adminclient.CheckFormat("yaml") == nil {
		t.Error("yaml accepted")
	}
}
