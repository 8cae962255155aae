package main

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/server"
)

// auditEvents lists the audit events of path's tenant, following
// links.next, and waits up to 3 s for at least min of them: the recorder
// writes in batches every 200 ms.
func (e *env) auditEvents(path string, min int) []map[string]any {
	e.t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		var all []map[string]any
		next := path
		for next != "" {
			doc := e.api("GET", next, "", 200)
			for _, d := range doc["data"].([]any) {
				all = append(all, d.(map[string]any))
			}
			next, _ = doc["links"].(map[string]any)["next"].(string)
		}
		if len(all) >= min || time.Now().After(deadline) {
			return all
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// awaitAudit returns the events at path once each of wants is among
// them, or what there is after 3 s: events are written in batches.
func (e *env) awaitAudit(path string, wants ...map[string]string) []map[string]any {
	e.t.Helper()
	deadline := time.Now().Add(3 * time.Second)
	for {
		evs := e.auditEvents(path, 0)
		found := 0
		for _, w := range wants {
			if has(evs, w) {
				found++
			}
		}
		if found == len(wants) || time.Now().After(deadline) {
			return evs
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func auditAttrs(r map[string]any) map[string]any { return r["attributes"].(map[string]any) }

// has reports whether an event has every attribute of want.
func has(evs []map[string]any, want map[string]string) bool {
next:
	for _, ev := range evs {
		a := auditAttrs(ev)
		for k, v := range want {
			if s, _ := a[k].(string); s != v {
				continue next
			}
		}
		return true
	}
	return false
}

func TestAuditMetricsAndStats(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		cc := url.Values{"grant_type": {"client_credentials"}}
		if r := e.post("/token", cc, e.clientID, e.clientSecret); r.status != 200 {
			t.Fatalf("client_credentials: %d %s", r.status, r.raw)
		}
		if r := e.post("/token", cc, e.clientID, "wrong"); r.status != 401 {
			t.Fatalf("bad secret: %d", r.status)
		}
		bad := url.Values{"grant_type": {"password"}, "username": {"john.doe"}, "password": {"nope"}}
		if r := e.post("/token", bad, e.clientID, e.clientSecret); r.status != 400 {
			t.Fatalf("bad password: %d", r.status)
		}
		pw := e.passwordToken("")
		if r := e.post("/oauth2/revoke", url.Values{"token": {pw.str("refresh_token")}}, e.clientID, e.clientSecret); r.status != 200 {
			t.Fatalf("revoke: %d", r.status)
		}

		evs := e.auditEvents("/api/v1/audit?page[size]=2", 12)
		for _, want := range []map[string]string{
			{"action": "token", "grant": "client_credentials", "outcome": "success", "clientId": e.clientID},
			{"action": "token", "grant": "client_credentials", "outcome": "failure", "reason": "invalid_client"},
			{"action": "token", "grant": "password", "outcome": "failure", "reason": "invalid_grant", "userId": "john.doe"},
			{"action": "token", "grant": "password", "outcome": "success", "userId": "john.doe"},
			{"action": "revoke", "outcome": "success", "clientId": e.clientID},
			{"action": "application.create", "outcome": "success", "target": e.clientID, "userId": "(bootstrap)"},
			{"action": "user.create", "target": "john.doe"},
			{"action": "scope.create", "target": "orders:read"},
		} {
			if !has(evs, want) {
				t.Errorf("no audit event with %v among %d", want, len(evs))
			}
		}
		for _, ev := range evs {
			a := auditAttrs(ev)
			if a["requestId"] == "" || a["remoteAddr"] != "127.0.0.1" {
				t.Errorf("event without origin: %v", a)
			}
		}
		{ // filters
			fails := e.auditEvents("/api/v1/audit?outcome=failure", 2)
			if len(fails) != 2 {
				t.Fatalf("failures: %d, want 2", len(fails))
			}
			pw := e.auditEvents("/api/v1/audit?grant=password&user=john.doe&outcome=success", 1)
			if len(pw) != 1 {
				t.Fatalf("password successes: %d", len(pw))
			}
			future := e.auditEvents("/api/v1/audit?since="+url.QueryEscape(time.Now().Add(time.Hour).Format(time.RFC3339)), 0)
			if len(future) != 0 {
				t.Fatalf("events in the future: %d", len(future))
			}
			e.api("GET", "/api/v1/audit?since=yesterday", "", 400)
		}
		{ // statistics
			doc := e.api("GET", "/api/v1/stats/tokens?interval=day", "", 200)
			got := map[string]float64{}
			for _, d := range doc["data"].([]any) {
				a := auditAttrs(d.(map[string]any))
				if a["clientId"] == e.clientID {
					got[a["grant"].(string)] += a["count"].(float64)
				}
			}
			if got["client_credentials"] != 1 || got["password"] != 1 {
				t.Fatalf("token counts %v", got)
			}
			users := e.api("GET", "/api/v1/stats/applications/"+e.clientID+"/users", "", 200)
			if users["meta"].(map[string]any)["total"].(float64) != 1 || len(users["data"].([]any)) != 1 {
				t.Fatalf("application users %v", users)
			}
			e.api("GET", "/api/v1/stats/applications/nope/users", "", 404)
			e.api("GET", "/api/v1/stats/tokens?interval=week", "", 400)
		}
		{ // permissions and tenants
			user := e.passwordToken("").str("access_token")
			e.apiAs(user, "GET", "/api/v1/audit", "", 403)
			e.apiAs(user, "GET", "/api/v1/stats/tokens", "", 403)
			e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"acme","attributes":{"name":"Acme"}}}`, 201)
			acme := e.auditEvents("/acme/api/v1/audit", 1)
			if len(acme) != 1 || auditAttrs(acme[0])["action"] != "tenant.create" {
				t.Fatalf("acme sees %v", acme)
			}
		}
		{ // metrics
			r := e.do("GET", "/metrics", "", "", "")
			if r.status != 200 {
				t.Fatalf("/metrics: %d", r.status)
			}
			for _, want := range []string{
				`tollgate_tokens_total{grant="client_credentials",outcome="issued",reason="",tenant="default"} 1`,
				`tollgate_tokens_total{grant="client_credentials",outcome="refused",reason="invalid_client",tenant="default"} 1`,
				`tollgate_tokens_total{grant="password",outcome="refused",reason="invalid_grant",tenant="default"} 1`,
				`tollgate_http_request_duration_seconds_count{code="200",endpoint="POST /token"}`,
				`tollgate_http_request_duration_seconds_bucket{code="401",endpoint="POST /token",le=`,
				`tollgate_audit_events_total{action="revoke",outcome="success"} 1`,
				"tollgate_password_hash_queue_depth 0",
				"tollgate_revocations_held 1", // the revoked refresh token's session
				"tollgate_audit_queue_length",
				"go_sql_open_connections{db_name=",
				"go_goroutines",
				"process_resident_memory_bytes",
			} {
				if !strings.Contains(r.raw, want) {
					t.Errorf("/metrics lacks %s", want)
				}
			}
		}
	})
}

// TestAuditSurvivesRestart stops a server right after its requests, so
// events are still queued, and checks the restarted server lists them all.
func TestAuditSurvivesRestart(t *testing.T) {
	cfg := testConfig(t, "")
	start := func() (*server.Server, func()) {
		e, stop := launch(t, cfg)
		return e.app, func() {
			if err := stop(); err != nil {
				t.Fatal(err)
			}
		}
	}
	a, stop := start()
	e := &env{t: t, base: a.URL(), app: a, admin: testBootstrap}
	const n = 50
	for range n {
		r := e.post("/token", url.Values{"grant_type": {"client_credentials"}}, "nobody", "wrong")
		if r.status != http.StatusUnauthorized {
			t.Fatalf("unknown client: %d", r.status)
		}
	}
	stop() // well within the 200 ms batch interval: Close must write them
	a, stop = start()
	defer stop()
	e = &env{t: t, base: a.URL(), app: a, admin: testBootstrap}
	evs := e.auditEvents("/api/v1/audit?reason=ignored&outcome=failure&client=nobody", 0)
	if len(evs) != n {
		t.Fatalf("after restart %d events, want %d", len(evs), n)
	}

	// The CLI reads the same API.
	out, err := run(t, "", "audit", "--url", a.URL(), "--token", testBootstrap, "-o", "json", "--client", "nobody", "--limit", "5")
	if err != nil {
		t.Fatal(err)
	}
	var rs []map[string]any
	if err := json.Unmarshal([]byte(out), &rs); err != nil || len(rs) != 5 {
		t.Fatalf("tollgate audit -o json: %v, %d events: %s", err, len(rs), out)
	}
	out, err = run(t, "", "audit", "--url", a.URL(), "--token", testBootstrap, "--outcome", "failure", "--limit", "0")
	if err != nil {
		t.Fatal(err)
	}
	if lines := strings.Count(out, "\n"); !strings.HasPrefix(out, "TIME") || lines != n+1 || !strings.Contains(out, "invalid_client") {
		t.Fatalf("tollgate audit table (%d lines):\n%s", lines, out)
	}
}

// Creating and deleting an API token are admin changes like any other.
func TestAuditAPITokens(t *testing.T) {
	e := startServer(t, "")
	e.api("POST", "/api/v1/entities/users/john.doe/apiTokens", `{"data":{"id":"ci","type":"apiToken"}}`, 201)
	e.api("DELETE", "/api/v1/entities/users/john.doe/apiTokens/ci", "", 204)
	// Seeding made 5 changes; these are the 6th and 7th.
	evs := e.auditEvents("/api/v1/audit?user=(bootstrap)", 7)
	for _, action := range []string{"apiToken.create", "apiToken.delete"} {
		if !has(evs, map[string]string{"action": action, "target": "john.doe/ci", "outcome": "success"}) {
			t.Errorf("no %s event", action)
		}
	}
}
