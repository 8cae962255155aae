package adminapi_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestRotateKeyAlgorithm(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	const path = "/acme/api/v1/actions/keys/rotate"
	acme := e.jwt("acme", "a", "tollgate:admin") // acme's first key: ES256
	algs := func() []string {
		t.Helper()
		a, err := e.keys.Algorithms(ctx, "acme")
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	keyCount := func() int {
		t.Helper()
		keys, err := e.st.ListSigningKeys(ctx, "acme", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return len(keys)
	}

	e.must(e.do("POST", path, acme, `{"alg":"EdDSA"}`), 204)
	if got := algs(); !slices.Equal(got, []string{"EdDSA", "ES256"}) {
		t.Fatalf("after rotating to EdDSA: %v", got)
	}
	e.must(e.doType("POST", path, acme, `{"alg":"RS256"}`, "application/json"), 204)
	e.must(e.do("POST", path, acme, ""), 204) // no body: RS256 again
	e.must(e.do("POST", path, acme, `{}`), 204)
	if got := algs(); !slices.Equal(got, []string{"RS256", "EdDSA", "ES256"}) {
		t.Fatalf("after rotating to RS256 and twice without alg: %v", got)
	}
	e.must(e.do("GET", "/acme/api/v1/entities/scopes", acme, ""), 200) // the ES256 token still works

	n := keyCount()
	for name, tc := range map[string]struct {
		body, contentType string
		status            int
		code, detail      string
	}{
		"unsupported alg":     {`{"alg":"HS256"}`, "", 400, "unsupported_algorithm", "ES256, EdDSA, RS256"},
		"alg none":            {`{"alg":"none"}`, "", 400, "unsupported_algorithm", "ES256, EdDSA, RS256"},
		"alg not a string":    {`{"alg":256}`, "", 400, "bad_request", "alg"},
		"unknown member":      {`{"algorithm":"EdDSA"}`, "", 400, "bad_request", "algorithm"},
		"two objects":         {`{"alg":"EdDSA"}{"alg":"RS256"}`, "", 400, "bad_request", "one object"},
		"not JSON":            {`alg=EdDSA`, "application/x-www-form-urlencoded", 415, "unsupported_media_type", ""},
		"resource document":   {`{"data":{"type":"key","attributes":{"alg":"EdDSA"}}}`, "", 400, "bad_request", "data"},
		"malformed JSON":      {`{"alg":`, "", 400, "bad_request", ""},
		"body over the limit": {`{"alg":"` + strings.Repeat("x", 5000) + `"}`, "", 413, "too_large", ""},
	} {
		t.Run(name, func(t *testing.T) {
			ct := tc.contentType
			if ct == "" {
				ct = "application/json"
			}
			r := e.doType("POST", path, acme, tc.body, ct)
			if r.status != tc.status || len(r.doc.Errors) != 1 || r.doc.Errors[0].Code != tc.code ||
				!strings.Contains(r.doc.Errors[0].Detail, tc.detail) {
				t.Fatalf("got %d %s, want %d %s mentioning %q", r.status, r.raw, tc.status, tc.code, tc.detail)
			}
		})
	}
	if keyCount() != n || !slices.Equal(algs(), []string{"RS256", "EdDSA", "ES256"}) {
		t.Fatal("a refused rotation changed the keys")
	}

	// Only the tenant's admins may rotate, whatever the body.
	other := e.jwt("other", "o", "tollgate:admin")
	e.must(e.do("POST", path, other, `{"alg":"EdDSA"}`), 401)
	e.must(e.do("POST", path, e.jwt("acme", "reader", "orders:read"), `{"alg":"HS256"}`), 403)
	if keyCount() != n {
		t.Fatal("a refused caller rotated the key")
	}
}
