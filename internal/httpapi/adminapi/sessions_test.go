package adminapi_test

import (
	"context"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// addSession stores a live session of user in acme.
func (e *env) addSession(user, id string) {
	e.t.Helper()
	now := time.Now().UTC().Truncate(time.Second)
	if err := e.st.CreateSession(context.Background(), "acme", &domain.Session{Tenant: "acme", ID: id, Hash: []byte("h-" + id),
		UserID: user, Methods: []string{domain.AMRPassword}, AuthTime: now, CreatedAt: now, LastSeenAt: now,
		ExpiresAt: now.Add(time.Hour)}); err != nil {
		e.t.Fatal(err)
	}
}

func TestSessionsAndConsents(t *testing.T) { testSessionsAndConsents(t, newEnv(t)) }

func testSessionsAndConsents(t *testing.T, e *env) {
	admin := e.jwt("acme", "alice", "tollgate:admin")
	bob := e.jwt("acme", "bob", "orders:read")
	for _, u := range []string{"bob", "carol"} {
		e.must(e.do("POST", "/acme/api/v1/entities/users", admin, `{"data":{"type":"user","id":"`+u+`"}}`), 201)
	}
	e.addSession("bob", "s1")
	e.addSession("bob", "s2")
	e.addSession("carol", "s3")
	app := e.must(e.do("POST", "/acme/api/v1/entities/applications", admin,
		`{"data":{"type":"application","attributes":{"name":"partner","firstParty":false}}}`), 201).resource(t)
	now := time.Now().UTC()
	if err := e.st.PutConsent(context.Background(), "acme", &domain.Consent{Tenant: "acme", UserID: "bob", ClientID: app.ID,
		Scopes: []string{"openid"}, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}

	bobs := "/acme/api/v1/entities/users/bob/sessions"
	r := e.must(e.do("GET", bobs, bob, ""), 200) // a user lists their own
	ss := r.resources(t)
	if len(ss) != 2 || ss[0].Type != "session" || ss[0].Attributes["methods"] == nil || ss[0].Attributes["expiresAt"] == nil ||
		ss[0].Attributes["authTime"] == nil || ss[0].Attributes["lastSeenAt"] == nil || ss[0].Links.Self != bobs+"/"+ss[0].ID {
		t.Fatalf("bob's sessions: %s", r.raw)
	}
	carols := "/acme/api/v1/entities/users/carol/sessions"
	e.must(e.do("GET", carols, bob, ""), 403)
	e.must(e.do("DELETE", carols+"/s3", bob, ""), 403)
	e.must(e.do("DELETE", carols, bob, ""), 403)
	// Another tenant's admin is not a credential here; the bootstrap
	// token finds no such user in another tenant.
	other := e.jwt("other", "olga", "tollgate:admin")
	e.must(e.do("GET", carols, other, ""), 401)
	e.must(e.do("GET", "/other/api/v1/entities/users/carol/sessions", bootstrapToken, ""), 404)
	if ss := e.must(e.do("GET", carols, admin, ""), 200).resources(t); len(ss) != 1 || ss[0].ID != "s3" {
		t.Errorf("carol's sessions as the admin: %+v", ss)
	}

	e.must(e.do("DELETE", bobs+"/s3", bob, ""), 404) // carol's, not bob's
	e.must(e.do("DELETE", bobs+"/s1", bob, ""), 204)
	e.must(e.do("DELETE", bobs+"/s1", bob, ""), 404)
	if ss := e.must(e.do("GET", bobs, bob, ""), 200).resources(t); len(ss) != 1 || ss[0].ID != "s2" {
		t.Errorf("after ending s1: %+v", ss)
	}
	e.must(e.do("DELETE", carols, admin, ""), 204)
	e.must(e.do("DELETE", carols, admin, ""), 204) // none left: still done
	if ss := e.must(e.do("GET", carols, admin, ""), 200).resources(t); len(ss) != 0 {
		t.Errorf("after ending all: %+v", ss)
	}
	e.must(e.do("GET", "/acme/api/v1/entities/users/nobody/sessions", admin, ""), 404)

	consents := "/acme/api/v1/entities/users/bob/consents"
	cs := e.must(e.do("GET", consents, bob, ""), 200).resources(t)
	if len(cs) != 1 || cs[0].Type != "consent" || cs[0].ID != app.ID || cs[0].Attributes["clientId"] != app.ID {
		t.Fatalf("bob's consents: %+v", cs)
	}
	e.must(e.do("GET", "/acme/api/v1/entities/users/carol/consents", bob, ""), 403)
	e.must(e.do("DELETE", consents+"/"+app.ID, e.jwt("acme", "carol", ""), ""), 403)
	e.must(e.do("DELETE", consents+"/"+app.ID, bob, ""), 204)
	e.must(e.do("DELETE", consents+"/"+app.ID, bob, ""), 404)
	if cs := e.must(e.do("GET", consents, admin, ""), 200).resources(t); len(cs) != 0 {
		t.Errorf("after revoking: %+v", cs)
	}
}
