package oauth

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

const form = "application/x-www-form-urlencoded"

func basic(id, secret string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(id+":"+secret))
}

func TestParseRequest(t *testing.T) {
	tests := []struct {
		name        string
		contentType string
		auth        string
		body        string
		wantCode    string
		wantStatus  int
		check       func(t *testing.T, r *Request)
	}{
		{name: "form with basic auth", contentType: form, auth: basic("app", "s3cret"),
			body: "grant_type=password&username=john&password=pw",
			check: func(t *testing.T, r *Request) {
				if r.params.get("username") != "john" || r.Client != (ClientCredentials{ID: "app", Secret: "s3cret", Basic: true}) {
					t.Fatalf("parsed %+v", r)
				}
			}},
		{name: "form with charset", contentType: form + "; charset=UTF-8", body: "grant_type=client_credentials&client_id=a&client_secret=b",
			check: func(t *testing.T, r *Request) {
				if r.Client != (ClientCredentials{ID: "a", Secret: "b"}) {
					t.Fatalf("client %+v", r.Client)
				}
			}},
		{name: "basic credentials are form-url-decoded", contentType: form, auth: basic("my%20app", "a%2Bb"), body: "grant_type=client_credentials",
			check: func(t *testing.T, r *Request) {
				if r.Client.ID != "my app" || r.Client.Secret != "a+b" {
					t.Fatalf("client %+v", r.Client)
				}
			}},
		{name: "resource repeats", contentType: form, body: "grant_type=client_credentials&resource=https://a&resource=https://b",
			check: func(t *testing.T, r *Request) {
				if strings.Join(r.resources, ",") != "https://a,https://b" {
					t.Fatalf("resources %v", r.resources)
				}
			}},
		{name: "json body", contentType: "application/json", body: `{"grant_type":"client_credentials","validity_period":60,"resource":["https://a"]}`,
			check: func(t *testing.T, r *Request) {
				if r.params.get("validity_period") != "60" || len(r.resources) != 1 {
					t.Fatalf("parsed %+v", r)
				}
			}},
		{name: "token of introspection and revocation", contentType: form, auth: basic("a", "b"), body: "token=tgr_x&token_type_hint=refresh_token",
			check: func(t *testing.T, r *Request) {
				if r.Token != "tgr_x" {
					t.Fatalf("token %q", r.Token)
				}
			}},
		{name: "repeated parameter", contentType: form, body: "grant_type=password&grant_type=password", wantCode: CodeInvalidRequest},
		{name: "basic and body secret", contentType: form, auth: basic("a", "b"), body: "grant_type=client_credentials&client_secret=b", wantCode: CodeInvalidRequest},
		{name: "basic and different body client_id", contentType: form, auth: basic("a", "b"), body: "client_id=c", wantCode: CodeInvalidRequest},
		{name: "malformed basic", contentType: form, auth: "Basic !!!", body: "", wantCode: CodeInvalidRequest, wantStatus: 400},
		{name: "basic and two spaces", contentType: form, auth: "Basic  " + base64.StdEncoding.EncodeToString([]byte("a:b")), wantCode: CodeInvalidRequest, wantStatus: 400},
		{name: "basic that is not base64", contentType: form, auth: "Basic YTpi~", wantCode: CodeInvalidClient, wantStatus: 401},
		{name: "basic without colon", contentType: form, auth: "Basic " + base64.StdEncoding.EncodeToString([]byte("abc")), wantCode: CodeInvalidClient},
		{name: "other auth scheme", contentType: form, auth: "Bearer xyz", wantCode: CodeInvalidClient},
		{name: "non-UTF-8 value", contentType: form, body: "username=%ff%fe", wantCode: CodeInvalidRequest},
		{name: "over-long value", contentType: form, body: "username=" + strings.Repeat("a", 5000), wantCode: CodeInvalidRequest},
		{name: "body over 64 KiB", contentType: form, body: "x=" + strings.Repeat("a", 70<<10), wantCode: CodeInvalidRequest, wantStatus: 413},
		{name: "unsupported media type", contentType: "text/plain", body: "grant_type=password", wantCode: CodeInvalidRequest},
		{name: "malformed form", contentType: form, body: "a=%zz", wantCode: CodeInvalidRequest},
		{name: "malformed json", contentType: "application/json", body: `{"grant_type":`, wantCode: CodeInvalidRequest},
		{name: "json object value", contentType: "application/json", body: `{"grant_type":{"x":1}}`, wantCode: CodeInvalidRequest},
		{name: "json array for single parameter", contentType: "application/json", body: `{"scope":["a","b"]}`, wantCode: CodeInvalidRequest},
		{name: "json trailing data", contentType: "application/json", body: `{"a":"b"} {}`, wantCode: CodeInvalidRequest},
		{name: "json repeated key", contentType: "application/json", body: `{"grant_type":"password","grant_type":"client_credentials"}`, wantCode: CodeInvalidRequest},
		{name: "json repeated key spelt with an escape", contentType: "application/json", body: `{"grant_type":"password","grant\u005ftype":"client_credentials"}`, wantCode: CodeInvalidRequest},
		{name: "json repeated resource", contentType: "application/json", body: `{"resource":"https://a","resource":["https://b"]}`, wantCode: CodeInvalidRequest},
		{name: "json repeated key inside a value", contentType: "application/json", body: `{"resource":[{"a":"1","a":"2"}]}`, wantCode: CodeInvalidRequest},
		{name: "json not an object", contentType: "application/json", body: `["grant_type"]`, wantCode: CodeInvalidRequest},
		{name: "too many resources", contentType: form, body: strings.Repeat("resource=https://a&", 11), wantCode: CodeInvalidTarget},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r, err := ParseRequest(tc.contentType, tc.auth, strings.NewReader(tc.body))
			if tc.wantCode == "" {
				if err != nil {
					t.Fatalf("unexpected error %v", err)
				}
				tc.check(t, r)
				return
			}
			var oe *Error
			if !errors.As(err, &oe) || oe.Code != tc.wantCode {
				t.Fatalf("got %v, want %s", err, tc.wantCode)
			}
			want := tc.wantStatus
			if want == 0 {
				want = oe.Status // only the code is pinned
			}
			if oe.Status != want {
				t.Fatalf("status %d, want %d", oe.Status, want)
			}
			if oe.Code == CodeInvalidRequest && oe.Status != http.StatusBadRequest && oe.Status != http.StatusRequestEntityTooLarge {
				t.Fatalf("invalid_request with status %d", oe.Status)
			}
		})
	}
}

// FuzzParseRequest: reading a body never panics and refuses with protocol
// errors only; what it accepts is bounded, uses one client authentication
// method and kept every JSON member exactly once; and every grant's parse
// step, run on it, accepts only what its grant relies on.
func FuzzParseRequest(f *testing.F) {
	f.Add(form, "", "grant_type=password&username=a&password=b")
	f.Add("application/json", "", `{"grant_type":"client_credentials","resource":["https://x"]}`)
	f.Add(form, basic("a", "b"), "resource=x&resource=y&scope=a%20b")
	f.Add("application/json", "", `{"grant_type":"a","grant\u005ftype":"b"}`)
	f.Add("application/json", "", `{"scope":"a","resource":"https://x","resource":["https://y"]}`)
	f.Add(form, "", "grant_type=embed_secret&username=u&embed_nonce=n&timestamp=1767225600&embed_signature="+readmeSignature)
	f.Add(form, "", "grant_type=refresh_token&refresh_token=tgr_x&scope=default&validity_period=60")
	f.Fuzz(func(t *testing.T, contentType, auth, body string) {
		r, err := ParseRequest(contentType, auth, strings.NewReader(body))
		if err != nil {
			checkProtocolError(t, err)
			return
		}
		for k, v := range r.params {
			if len(v) > maxValueBytes || len(k) > 128 {
				t.Fatalf("unbounded parameter %q", k)
			}
		}
		if r.Client.Basic && r.params.get("client_secret") != "" {
			t.Fatal("two client authentication methods accepted")
		}
		if n, ok := jsonMembers(body); ok && strings.HasPrefix(contentType, "application/json") {
			if got := len(r.params) + min(len(r.resources), 1); got != n {
				t.Fatalf("%d members in the body, %d parameters kept: a repeated key was accepted", n, got)
			}
		}
		checkGrantParses(t, r.params)
	})
}

// checkGrantParses runs every parse step of the token endpoint on p and
// checks that what each accepts is what the later steps rely on.
func checkGrantParses(t *testing.T, p params) {
	t.Helper()
	if tp, err := parseTokenParams(p); err != nil {
		checkProtocolError(t, err)
	} else {
		for _, s := range tp.scope.names {
			if !domain.ValidScopeToken(s) {
				t.Fatalf("accepted scope %q", s)
			}
		}
		if tp.validity < 0 || (tp.validity == 0) != (p.get("validity_period") == "") {
			t.Fatalf("validity %d from %q", tp.validity, p.get("validity_period"))
		}
		if tp.scope.asked && tp.scope.asDefault {
			t.Fatal("scope both asked and default")
		}
	}
	if r, err := (passwordGrant{}).parse(p); err != nil {
		checkProtocolError(t, err)
	} else if r.username == "" || r.password == "" {
		t.Fatalf("password grant accepted %+v", r)
	}
	if r, err := (refreshGrant{}).parse(p); err != nil {
		checkProtocolError(t, err)
	} else if r.refreshToken == "" {
		t.Fatal("refresh grant accepted no token")
	}
	if r, err := (embedGrant{}).parse(p); err != nil {
		checkProtocolError(t, err)
	} else if r.username == "" || (r.plain == "") == (r.signed == nil) {
		t.Fatalf("embed grant accepted %+v: it needs a username and exactly one form", r)
	}
	if _, err := (clientCredentialsGrant{}).parse(p); err != nil {
		t.Fatalf("client_credentials has no parameters to refuse: %v", err)
	}
}

// checkProtocolError fails unless err is an OAuth error with an error
// status.
func checkProtocolError(t *testing.T, err error) {
	t.Helper()
	var oe *Error
	if !errors.As(err, &oe) || oe.Code == "" || oe.Status < 400 {
		t.Fatalf("non-protocol error %v", err)
	}
}

// jsonMembers counts the members of a JSON object body, repeats included.
func jsonMembers(body string) (int, bool) {
	dec := json.NewDecoder(strings.NewReader(body))
	if t, err := dec.Token(); err != nil || t != json.Delim('{') {
		return 0, false
	}
	n := 0
	for dec.More() {
		if _, err := dec.Token(); err != nil {
			return 0, false
		}
		var v json.RawMessage
		if err := dec.Decode(&v); err != nil {
			return 0, false
		}
		n++
	}
	return n, true
}

func FuzzParseBasic(f *testing.F) {
	f.Add(basic("client", "secret"))
	f.Add("basic " + base64.StdEncoding.EncodeToString([]byte("a%3Ab:c")))
	f.Add("Basic ")
	f.Fuzz(func(t *testing.T, header string) {
		id, _, err := ParseBasic(header)
		if err != nil {
			var oe *Error
			if !errors.As(err, &oe) || (oe.Code != CodeInvalidClient && oe.Code != CodeInvalidRequest) {
				t.Fatalf("want invalid_client or invalid_request, got %v", err)
			}
			return
		}
		if id == "" {
			t.Fatal("empty client id accepted")
		}
	})
}
