package adminapi_test

import "testing"

// refreshReuseGraceSeconds: 30 unless given, 0 turns it off, at most 300;
// a bad value is a 400 naming the attribute and changes nothing.
func TestApplicationRefreshReuseGrace(t *testing.T) {
	e := newEnv(t)
	tok := e.jwt("acme", "alice", "tollgate:admin")
	const apps = "/acme/api/v1/entities/applications"
	app := e.must(e.do("POST", apps, tok, `{"data":{"type":"application","attributes":{"name":"shop"}}}`), 201).resource(t)
	if got := app.Attributes["refreshReuseGraceSeconds"]; got != 30.0 {
		t.Fatalf("default refreshReuseGraceSeconds = %v, want 30", got)
	}
	off := e.must(e.do("POST", apps, tok, `{"data":{"type":"application","attributes":{"name":"strict","refreshReuseGraceSeconds":0}}}`), 201).resource(t)
	if got := off.Attributes["refreshReuseGraceSeconds"]; got != 0.0 {
		t.Fatalf("refreshReuseGraceSeconds 0 stored as %v", got)
	}
	self := apps + "/" + app.ID
	patch := func(v string) *response {
		return e.do("PATCH", self, tok, `{"data":{"type":"application","id":"`+app.ID+`","attributes":{"refreshReuseGraceSeconds":`+v+`}}}`)
	}
	for _, bad := range []string{"301", "-1", `"30"`} {
		r := e.must(patch(bad), 400)
		if len(r.doc.Errors) != 1 || r.doc.Errors[0].Source == nil || r.doc.Errors[0].Source.Pointer != "/data/attributes/refreshReuseGraceSeconds" {
			t.Errorf("refreshReuseGraceSeconds %s: %s", bad, r.raw)
		}
	}
	if got := e.must(e.do("GET", self, tok, ""), 200).resource(t).Attributes["refreshReuseGraceSeconds"]; got != 30.0 {
		t.Fatalf("a bad PATCH changed the grace: %v", got)
	}
	e.must(patch("300"), 200)
	if got := e.must(e.do("GET", self, tok, ""), 200).resource(t).Attributes["refreshReuseGraceSeconds"]; got != 300.0 {
		t.Fatalf("after PATCH 300: %v", got)
	}
}
