package broker

import (
	"net/http"
	"testing"
	"time"
)

// FuzzParse feeds the parser of an upstream's answer (untrusted: any
// status, media type and body): it never panics, and a token it accepts
// has an expiry in the future and within maxLifetimeSeconds.
func FuzzParse(f *testing.F) {
	f.Add(200, "application/json", `{"access_token":"a","expires_in":"3599","expires_on":"1796046662","resource":"r"}`)
	f.Add(200, "application/json; charset=utf-8", `{"access_token":"a","expires_in":3600}`)
	f.Add(200, "application/json", `{"access_token":"a","expires_in":9223372036854775807}`)
	f.Add(200, "application/json", `{"access_token":"a","expires_on":"99999999999999"}`)
	f.Add(400, "application/json", `{"error":"invalid_client","error_description":"AADSTS7000215: secret"}`)
	f.Add(200, "text/html", `<html>sign in</html>`)
	now := time.Unix(1_800_000_000, 0)
	b := &Broker{now: func() time.Time { return now }}
	f.Fuzz(func(t *testing.T, status int, mediaType, body string) {
		res := &http.Response{StatusCode: status, Header: http.Header{"Content-Type": {mediaType}}}
		tok, err := b.parse(res, []byte(body))
		if err != nil {
			return
		}
		if tok.AccessToken == "" || !tok.ExpiresAt.After(now) || tok.ExpiresAt.After(now.Add(maxLifetimeSeconds*time.Second)) {
			t.Fatalf("accepted %+v from %d %q %q", tok, status, mediaType, body)
		}
	})
}
