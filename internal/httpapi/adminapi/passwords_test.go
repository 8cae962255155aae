package adminapi_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
)

// TestPasswordMinimumLength: a password set on create or PATCH needs 8
// characters (runes, not bytes); a refused one changes nothing and the
// error names the minimum.
func TestPasswordMinimumLength(t *testing.T) {
	e := newEnv(t)
	tok := e.jwt("acme", "alice", "tollgate:admin")
	const users = "/acme/api/v1/entities/users"
	refused := func(r *response) {
		t.Helper()
		if len(r.doc.Errors) != 1 || r.doc.Errors[0].Source == nil ||
			r.doc.Errors[0].Source.Pointer != "/data/attributes/password" || !strings.Contains(r.doc.Errors[0].Detail, "8") {
			t.Errorf("errors %s, want one at the password naming 8", r.raw)
		}
	}
	refused(e.must(e.do("POST", users, tok, `{"data":{"type":"user","id":"ann","attributes":{"password":"1234567"}}}`), http.StatusBadRequest))
	// Seven characters in fourteen bytes are still seven characters.
	refused(e.must(e.do("POST", users, tok, `{"data":{"type":"user","id":"ann","attributes":{"password":"äääääää"}}}`), http.StatusBadRequest))
	e.must(e.do("GET", users+"/ann", tok, ""), http.StatusNotFound)

	e.must(e.do("POST", users, tok, `{"data":{"type":"user","id":"ann","attributes":{"password":"pässwörd"}}}`), http.StatusCreated)
	before, err := e.st.GetUser(context.Background(), "acme", "ann")
	if err != nil {
		t.Fatal(err)
	}
	refused(e.must(e.do("PATCH", users+"/ann", tok, `{"data":{"type":"user","attributes":{"password":"short"}}}`), http.StatusBadRequest))
	if after, _ := e.st.GetUser(context.Background(), "acme", "ann"); after.PasswordHash != before.PasswordHash {
		t.Error("a refused PATCH changed the password")
	}
	// No password at all stays possible (SSO and embed users).
	e.must(e.do("POST", users, tok, `{"data":{"type":"user","id":"sso"}}`), http.StatusCreated)
}
