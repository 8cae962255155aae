package main

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// The tenant's API-token lifetime cap (apiTokenMaxTtl) and the purge of
// long-expired tokens, end to end.

// setMaxTTL sets the default tenant's cap as bearer and checks the status.
func (e *env) setMaxTTL(bearer string, seconds int64, want int) map[string]any {
	e.t.Helper()
	return e.apiAs(bearer, "PATCH", "/api/v1/entities/tenants/default",
		fmt.Sprintf(`{"data":{"type":"tenant","id":"default","attributes":{"apiTokenMaxTtl":%d}}}`, seconds), want)
}

// tokenIDs lists john.doe's token ids.
func (e *env) tokenIDs() []string {
	e.t.Helper()
	var ids []string
	for _, x := range e.api("GET", tokensPath, "", 200)["data"].([]any) {
		ids = append(ids, x.(map[string]any)["id"].(string))
	}
	return ids
}

// expiresAt reads a token resource's expiresAt; zero when it has none.
func expiresAt(t *testing.T, doc map[string]any) time.Time {
	t.Helper()
	s, _ := attrs(doc)["expiresAt"].(string)
	if s == "" {
		return time.Time{}
	}
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatalf("expiresAt %q: %v", s, err)
	}
	return at
}

func TestAPITokenMaxTTL(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		access := e.passwordToken("").str("access_token")
		create := func(id, attributes string, want int) map[string]any {
			t.Helper()
			return e.apiAs(access, "POST", tokensPath, `{"data":{"id":"`+id+`","type":"apiToken"`+attributes+`}}`, want)
		}
		tenYears := time.Now().Add(10 * 365 * 24 * time.Hour).UTC().Format(time.RFC3339)

		t.Run("default no cap", func(t *testing.T) {
			if got := e.api("GET", "/api/v1/entities/tenants/default", "", 200); attrs(got)["apiTokenMaxTtl"] != 0.0 {
				t.Fatalf("default tenant = %v", got)
			}
			if at := expiresAt(t, create("forever", "", 201)); !at.IsZero() {
				t.Errorf("no cap: expiresAt = %v, want none", at)
			}
			create("ten-years", `,"attributes":{"expiresAt":"`+tenYears+`"}`, 201)
		})

		const capSecs = 30 * 24 * 3600
		t.Run("cap set: no expiresAt gets now plus the cap", func(t *testing.T) {
			if got := e.setMaxTTL(e.admin, capSecs, 200); attrs(got)["apiTokenMaxTtl"] != float64(capSecs) {
				t.Fatalf("PATCH answered %v", got)
			}
			before := time.Now().Truncate(time.Second)
			at := expiresAt(t, create("capped", "", 201))
			after := time.Now()
			if at.Before(before.Add(capSecs*time.Second)) || at.After(after.Add(capSecs*time.Second)) {
				t.Errorf("expiresAt = %v, want now + %d s", at, capSecs)
			}
			// The stored record says the same as the create answer.
			if got := expiresAt(t, e.apiAs(access, "GET", tokensPath+"/capped", "", 200)); !got.Equal(at) {
				t.Errorf("stored expiresAt = %v, answered %v", got, at)
			}
		})
		t.Run("cap set: expiresAt within it is kept", func(t *testing.T) {
			week := time.Now().Add(7 * 24 * time.Hour).UTC().Truncate(time.Second)
			if at := expiresAt(t, create("week", `,"attributes":{"expiresAt":"`+week.Format(time.RFC3339)+`"}`, 201)); !at.Equal(week) {
				t.Errorf("expiresAt = %v, want %v", at, week)
			}
		})
		t.Run("cap set: too long expiresAt is refused and nothing created", func(t *testing.T) {
			listed := e.tokenIDs()
			long := time.Now().Add(31 * 24 * time.Hour).UTC().Format(time.RFC3339)
			for name, attributes := range map[string]string{
				"31 days":  `,"attributes":{"expiresAt":"` + long + `"}`,
				"10 years": `,"attributes":{"expiresAt":"` + tenYears + `"}`,
			} {
				r := e.do("POST", tokensPath, "application/vnd.api+json",
					`{"data":{"id":"too-long","type":"apiToken"`+attributes+`}}`, "Bearer "+access)
				errs, _ := r.body["errors"].([]any)
				if r.status != 400 || len(errs) != 1 {
					t.Fatalf("%s: %d %s", name, r.status, r.raw)
				}
				obj := errs[0].(map[string]any)
				src, _ := obj["source"].(map[string]any)
				if src["pointer"] != "/data/attributes/expiresAt" || !strings.Contains(obj["detail"].(string), "maximum") ||
					!strings.Contains(obj["detail"].(string), fmt.Sprint(capSecs)) {
					t.Errorf("%s: error %v", name, obj)
				}
			}
			e.apiAs(access, "GET", tokensPath+"/too-long", "", 404)
			if got := e.tokenIDs(); strings.Join(got, ",") != strings.Join(listed, ",") {
				t.Errorf("tokens after refusals = %v, want %v", got, listed)
			}
		})
		t.Run("existing tokens keep their expiry when the cap changes", func(t *testing.T) {
			capped := expiresAt(t, e.apiAs(access, "GET", tokensPath+"/capped", "", 200))
			tok := e.createAPIToken(access, "john.doe", "still-works", "")
			e.setMaxTTL(e.admin, 3600, 200)
			if at := expiresAt(t, e.apiAs(access, "GET", tokensPath+"/forever", "", 200)); !at.IsZero() {
				t.Errorf("forever got expiresAt %v", at)
			}
			if at := expiresAt(t, e.apiAs(access, "GET", tokensPath+"/capped", "", 200)); !at.Equal(capped) {
				t.Errorf("capped expiresAt moved from %v to %v", capped, at)
			}
			e.apiAs(tok, "GET", "/api/v1/entities/users/john.doe", "", 200)
		})
		t.Run("negative cap is refused", func(t *testing.T) {
			r := e.do("PATCH", "/api/v1/entities/tenants/default", "application/vnd.api+json",
				`{"data":{"type":"tenant","id":"default","attributes":{"apiTokenMaxTtl":-1}}}`, "Bearer "+e.admin)
			errs, _ := r.body["errors"].([]any)
			if r.status != 400 || len(errs) != 1 {
				t.Fatalf("negative cap: %d %s", r.status, r.raw)
			}
			if src, _ := errs[0].(map[string]any)["source"].(map[string]any); src["pointer"] != "/data/attributes/apiTokenMaxTtl" {
				t.Errorf("error %s", r.raw)
			}
			e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"neg","attributes":{"apiTokenMaxTtl":-5}}}`, 400)
			e.api("GET", "/api/v1/entities/tenants/neg", "", 404)
		})
		t.Run("a tenant admin cannot change the cap", func(t *testing.T) {
			e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"boss","attributes":{"roles":["admin"]}}}`, 201)
			boss := e.createAPIToken(e.admin, "boss", "admin", "")
			e.apiAs(boss, "GET", "/api/v1/entities/users", "", 200) // an admin of the tenant…
			e.setMaxTTL(boss, 0, 403)                               // …but not of tenants
			e.apiAs(boss, "POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"mine","attributes":{"apiTokenMaxTtl":0}}}`, 403)
			if got := e.api("GET", "/api/v1/entities/tenants/default", "", 200); attrs(got)["apiTokenMaxTtl"] != 3600.0 {
				t.Errorf("cap after the refused PATCH = %v", attrs(got)["apiTokenMaxTtl"])
			}
		})
		t.Run("another tenant's cap is its own", func(t *testing.T) {
			e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"acme","attributes":{"name":"Acme"}}}`, 201)
			e.api("POST", "/acme/api/v1/entities/users", `{"data":{"type":"user","id":"carl"}}`, 201)
			doc := e.api("POST", "/acme/api/v1/entities/users/carl/apiTokens", `{"data":{"id":"t","type":"apiToken"}}`, 201)
			if at := expiresAt(t, doc); !at.IsZero() {
				t.Errorf("acme token got expiresAt %v from default's cap", at)
			}
		})
	})
}

// TestAPITokenPurge: a token expired 8 days ago is gone from the list after
// the purge; one expired a day ago is still listed, with its expiry.
func TestAPITokenPurge(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		st, ctx, now := e.app.Store(), context.Background(), time.Now()
		for id, expired := range map[string]time.Duration{"old": 8 * 24 * time.Hour, "recent": 24 * time.Hour} {
			exp := now.Add(-expired)
			tok := &domain.APIToken{UserID: "john.doe", ID: id, Hash: []byte("hash-of-" + id),
				Scopes: []string{}, ExpiresAt: &exp, CreatedAt: exp.Add(-time.Hour)}
			if err := st.CreateAPIToken(ctx, domain.DefaultTenant, tok); err != nil {
				t.Fatal(err)
			}
		}
		if got := strings.Join(e.tokenIDs(), ","); got != "old,recent" {
			t.Fatalf("tokens before the purge: %s", got)
		}
		if _, err := st.DeleteExpired(ctx, now); err != nil {
			t.Fatal(err)
		}
		if got := strings.Join(e.tokenIDs(), ","); got != "recent" {
			t.Fatalf("tokens after the purge: %s, want recent", got)
		}
		if at := expiresAt(t, e.api("GET", tokensPath+"/recent", "", 200)); !at.Before(now) {
			t.Errorf("recent expiresAt = %v, want in the past", at)
		}
	})
}
