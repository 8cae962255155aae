package domain

import (
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
)

func TestValidID(t *testing.T) {
	for _, id := range []string{"john.doe", "john@example.com", "a.", "..a", "orders:read", "Jöhn", "x-1_2"} {
		if err := ValidID("id", id); err != nil {
			t.Errorf("ValidID(%q) = %v, want nil", id, err)
		}
	}
	for _, id := range []string{"", ".", "..", "/", "a/b", "%", "50%off", "a%2Fb", " a", "a ", "a\u00a0",
		"a\tb", "a\x00b", "a\x7fb", "a\u0085b", "\xff"} {
		err := ValidID("id", id)
		if !IsInvalid(err) {
			t.Errorf("ValidID(%q) = %v, want an InvalidError", id, err)
			continue
		}
		if id != "" && !strings.Contains(err.Error(), strconv.Quote(id)) {
			t.Errorf("ValidID(%q) = %q does not name the id", id, err)
		}
	}
	// Scopes may be URIs; their slashes travel %2F-escaped.
	if err := ValidateScope(&Scope{ID: "https://api.example/orders"}); err != nil {
		t.Errorf("URI scope: %v", err)
	}
	for _, id := range []string{"..", ".", "/", "a%20b"} {
		if err := ValidateScope(&Scope{ID: id}); !IsInvalid(err) {
			t.Errorf("scope %q: %v, want InvalidError", id, err)
		}
	}
}

// idMux stands for the admin API's routes: an id as the last segment and
// followed by another.
var idMux = func() *http.ServeMux {
	m := http.NewServeMux()
	echo := func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, r.PathValue("id")) }
	m.HandleFunc("GET /{tenant}/api/v1/entities/users/{id}", echo)
	m.HandleFunc("GET /{tenant}/api/v1/entities/users/{id}/apiTokens", echo)
	return m
}()

// reachable reports whether a handler routed by ServeMux reads id back
// from the path an escaping client sends.
func reachable(id, suffix string) bool {
	req := httptest.NewRequest("GET", "http://tollgate.test/acme/api/v1/entities/users/"+url.PathEscape(id)+suffix, nil)
	w := httptest.NewRecorder()
	idMux.ServeHTTP(w, req)
	return w.Code == http.StatusOK && w.Body.String() == id
}

// FuzzValidID checks that every id accepted (slashes allowed, as for
// scopes, which accepts the most) survives a URL path segment.
func FuzzValidID(f *testing.F) {
	for _, s := range []string{"john", ".", "..", "/", "//", "a/b", "%2e", "a b", " a", "é", "https://x/y"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, id string) {
		if checkID("id", id, true) != nil {
			if ValidID("id", id) == nil {
				t.Fatalf("ValidID accepts %q, which checkID with slashes refuses", id)
			}
			return
		}
		if got, err := url.PathUnescape(url.PathEscape(id)); err != nil || got != id {
			t.Fatalf("%q escapes and unescapes to %q, %v", id, got, err)
		}
		if !reachable(id, "") || !reachable(id, "/apiTokens") {
			t.Fatalf("%q does not survive ServeMux", id)
		}
	})
}
