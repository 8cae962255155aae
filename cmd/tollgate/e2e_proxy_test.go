package main

import (
	"testing"
)

// postFrom sends a password grant as if a proxy had forwarded it for
// client addr.
func (e *env) postFrom(addr, username, password string) *response {
	e.t.Helper()
	return e.doWith("POST", "/token", "application/x-www-form-urlencoded", passwordForm(username, password).Encode(),
		map[string]string{"Authorization": basicAuth(e.clientID, e.clientSecret), "X-Forwarded-For": addr})
}

// Behind a load balancer or a remote gateway every client has the proxy's
// address: throttling would put them all on one counter. With
// --trusted-proxy, the client named by X-Forwarded-For counts instead; a
// caller that is not a trusted proxy cannot choose its address.
func TestTrustedProxy(t *testing.T) {
	t.Run("trusted", func(t *testing.T) {
		cfg := testConfig(t, "")
		cfg.TrustedProxies = []string{"127.0.0.1"}
		e := startWith(t, cfg)
		for range 10 {
			if r := e.postFrom("203.0.113.9", "john.doe", "wrong-password"); r.status != 400 {
				t.Fatalf("wrong password: %d %s", r.status, r.raw)
			}
		}
		if r := e.postFrom("203.0.113.9", "john.doe", "s3cret-pw"); r.status != 400 || r.header.Get("Retry-After") == "" {
			t.Fatalf("11th attempt from the guessing client: %d %s, want throttled", r.status, r.raw)
		}
		if r := e.postFrom("203.0.113.10", "john.doe", "s3cret-pw"); r.status != 200 {
			t.Fatalf("another client behind the same proxy: %d %s", r.status, r.raw)
		}
		evs := e.auditEvents("/api/v1/audit?outcome=failure&grant=password", 11)
		if len(evs) == 0 || auditAttrs(evs[0])["remoteAddr"] != "203.0.113.9" {
			t.Fatalf("audit records %v, want the client's address", evs)
		}
	})
	t.Run("not trusted", func(t *testing.T) {
		e := startServer(t, "")
		if r := e.postFrom("203.0.113.9", "john.doe", "wrong-password"); r.status != 400 {
			t.Fatalf("wrong password: %d %s", r.status, r.raw)
		}
		evs := e.auditEvents("/api/v1/audit?outcome=failure&grant=password", 1)
		if len(evs) != 1 || auditAttrs(evs[0])["remoteAddr"] != "127.0.0.1" {
			t.Fatalf("audit records %v, want the peer's address", evs)
		}
	})
}
