package main

import (
	"net/url"
	"strconv"
	"sync"
	"testing"
	"time"
)

// refreshAs presents a refresh token as the client id:secret.
func (e *env) refreshAs(id, secret, tok string) *response {
	e.t.Helper()
	return e.post("/oauth2/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tok}}, id, secret)
}

// wantInvalidGrant fails unless r refuses a refresh with invalid_grant.
func wantInvalidGrant(t *testing.T, what string, r *response) {
	t.Helper()
	if r.status != 400 || r.str("error") != "invalid_grant" || r.str("refresh_token") != "" {
		t.Fatalf("%s: %d %s, want invalid_grant", what, r.status, r.raw)
	}
}

// A refresh token presented by another client of the same tenant has
// leaked: the answer is invalid_grant, and the session ends for its own
// client too, refresh and access tokens alike.
func TestRefreshByAnotherClient(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		first := e.passwordToken("")
		otherID, otherSecret := e.createApp("", `"grantTypes":["password","refresh_token"],"scopes":["orders:read"]`)
		wantInvalidGrant(t, "another client's refresh", e.refreshAs(otherID, otherSecret, first.str("refresh_token")))
		// The access token first: the owner's refresh below would revoke
		// the family itself, as a reuse, if the leak had not.
		if in := e.introspect(first.str("access_token")); in["active"] != false {
			t.Fatalf("the owner's access token after the leak: %v", in)
		}
		wantInvalidGrant(t, "the owner's refresh after the leak", e.refreshAs(e.clientID, e.clientSecret, first.str("refresh_token")))

		// Within the grace of a rotation too: the other client does not get
		// the successor, and the owner's successor is revoked.
		first = e.passwordToken("")
		second := e.refreshAs(e.clientID, e.clientSecret, first.str("refresh_token"))
		wantInvalidGrant(t, "another client's retry within the grace", e.refreshAs(otherID, otherSecret, first.str("refresh_token")))
		wantInvalidGrant(t, "the owner's successor after the leak", e.refreshAs(e.clientID, e.clientSecret, second.str("refresh_token")))
	})
}

// A client that lost the answer to a rotation presents the rotated token
// again within the application's grace (30 s by default): it gets the same
// successor and a new access token, and the session goes on. Once that
// successor has been used, the old token is a replay again.
func TestRefreshRetryWithinGrace(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		first := e.passwordToken("")
		lost := e.refreshAs(e.clientID, e.clientSecret, first.str("refresh_token"))
		retry := e.refreshAs(e.clientID, e.clientSecret, first.str("refresh_token"))
		if lost.status != 200 || retry.status != 200 {
			t.Fatalf("rotation %d, retry %d: %s", lost.status, retry.status, retry.raw)
		}
		if retry.str("refresh_token") != lost.str("refresh_token") {
			t.Fatal("the retry got another successor: the session forked")
		}
		if retry.str("access_token") == lost.str("access_token") || retry.str("scope") != "orders:read" {
			t.Fatalf("the retry's access token: %s", retry.raw)
		}
		third := e.refreshAs(e.clientID, e.clientSecret, retry.str("refresh_token"))
		if third.status != 200 {
			t.Fatalf("the successor after a retry: %d %s", third.status, third.raw)
		}
		// The successor is used: presenting the first token now is a replay.
		wantInvalidGrant(t, "replay after the successor was used", e.refreshAs(e.clientID, e.clientSecret, first.str("refresh_token")))
		wantInvalidGrant(t, "the family lives on after a replay", e.refreshAs(e.clientID, e.clientSecret, third.str("refresh_token")))
	})
}

// Two presentations of one token at once, within the grace, get the same
// successor, and the family lives on.
func TestRefreshConcurrentRetries(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		first := e.passwordToken("")
		var answers [2]*response
		var wg sync.WaitGroup
		for i := range answers {
			wg.Add(1)
			go func() {
				defer wg.Done()
				answers[i] = e.refreshAs(e.clientID, e.clientSecret, first.str("refresh_token"))
			}()
		}
		wg.Wait()
		a, b := answers[0], answers[1]
		if a.status != 200 || b.status != 200 || a.str("refresh_token") != b.str("refresh_token") {
			t.Fatalf("concurrent presentations: %d %s / %d %s", a.status, a.raw, b.status, b.raw)
		}
		if r := e.refreshAs(e.clientID, e.clientSecret, a.str("refresh_token")); r.status != 200 {
			t.Fatalf("the shared successor: %d %s", r.status, r.raw)
		}
	})
}

// Without a grace (refreshReuseGraceSeconds 0), or after it, a retry is a
// replay: invalid_grant, and the session ends.
func TestRefreshReuseWithoutGrace(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		for _, c := range []struct {
			name  string
			grace int
			wait  time.Duration
		}{{"grace off", 0, 0}, {"grace over", 1, 1100 * time.Millisecond}} {
			id, secret := e.createApp("", `"grantTypes":["password","refresh_token"],"scopes":["orders:read"],"refreshReuseGraceSeconds":`+strconv.Itoa(c.grace))
			first := e.post("/token", url.Values{"grant_type": {"password"}, "username": {"john.doe"}, "password": {"s3cret-pw"}}, id, secret)
			second := e.refreshAs(id, secret, first.str("refresh_token"))
			if first.status != 200 || second.status != 200 {
				t.Fatalf("%s: %d %d %s", c.name, first.status, second.status, second.raw)
			}
			time.Sleep(c.wait)
			wantInvalidGrant(t, c.name+": the retry", e.refreshAs(id, secret, first.str("refresh_token")))
			wantInvalidGrant(t, c.name+": the successor after a replay", e.refreshAs(id, secret, second.str("refresh_token")))
		}
	})
}
