package main

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

const powerBIResource = "https://analysis.windows.net/powerbi/api"

// brokerGet calls a broker endpoint with header's non-empty values.
func (e *env) brokerGet(path string, header map[string]string) *response {
	e.t.Helper()
	return e.doWith(http.MethodGet, path, "", "", header)
}

// TestBrokerTollgateAsUpstream: Tollgate is its own upstream: the default
// tenant's provider asks tenant azure's Azure-shaped token endpoint with
// resource (RFC 8707), and the token handed out is azure's, for that
// audience, as azure's JWKS verifies.
func TestBrokerTollgateAsUpstream(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		e.api("POST", "/api/v1/entities/tenants", `{"data":{"type":"tenant","id":"azure"}}`, 201)
		id, sec := e.createApp("azure", `"grantTypes":["client_credentials"]`)
		e.brokerProvider(t, "", "powerbi", e.base+"/{tenantId}/oauth2/token", id, sec, func(p *domain.BrokerProvider) {
			p.UpstreamTenant = "azure"
		})
		r := e.brokerGet("/default/broker/powerbi/token", map[string]string{"Authorization": "Bearer " + e.admin})
		if r.status != 200 {
			t.Fatalf("hand-out: %d %s", r.status, r.raw)
		}
		if cc := r.header.Get("Cache-Control"); cc != "no-store" {
			t.Errorf("Cache-Control %q, want no-store", cc)
		}
		if r.str("token_type") != "Bearer" || r.str("resource") != powerBIResource {
			t.Errorf("answer %s", r.raw)
		}
		if in, _ := r.body["expires_in"].(float64); in < 3000 || in > 3600 {
			t.Errorf("expires_in %v", r.body["expires_in"])
		}
		if on, _ := r.body["expires_on"].(float64); int64(on) < time.Now().Add(50*time.Minute).Unix() {
			t.Errorf("expires_on %v", r.body["expires_on"])
		}
		ctx := context.Background()
		issuer := e.base + "/azure"
		keys := oidc.NewRemoteKeySet(ctx, issuer+"/oauth2/jwks")
		v := oidc.NewVerifier(issuer, keys, &oidc.Config{ClientID: powerBIResource,
			SupportedSigningAlgs: []string{"ES256", "RS256", "EdDSA", "PS256"}})
		if _, err := v.Verify(ctx, r.str("access_token")); err != nil {
			t.Fatalf("the token is not azure's for the resource: %v", err)
		}
		// The default provider answers the sample's path, from the cache.
		again := e.brokerGet("/tokens/GetAccessToken", map[string]string{"Authorization": "Bearer " + e.admin})
		if again.status != 200 || again.str("access_token") != r.str("access_token") {
			t.Errorf("GetAccessToken: %d, same token %v", again.status, again.str("access_token") == r.str("access_token"))
		}
		// tollgate broker test: what a page would get, without the token.
		t.Setenv("TOLLGATE_URL", e.base)
		t.Setenv("TOLLGATE_TOKEN", e.admin)
		if out := mustRun(t, "", "broker", "test", "powerbi"); !strings.HasPrefix(out, "ok: a token for "+powerBIResource+", valid until ") ||
			strings.Contains(out, r.str("access_token")) {
			t.Errorf("broker test printed %q", out)
		}
		if _, err := run(t, "", "broker", "test", "nope"); err == nil || !strings.Contains(err.Error(), "404") {
			t.Errorf("broker test of an unknown provider: %v", err)
		}
	})
}

// brokerCallers is a server with provider powerbi (default, role reader)
// in front of a counting upstream, scope broker:powerbi, and an app
// that may ask for it.
func brokerCallers(t *testing.T, e *env) *countingUpstream {
	u := newCountingUpstream(t)
	e.brokerProvider(t, "", "powerbi", u.URL+"/{tenantId}/oauth2/token", "app-1", "s3cret", func(p *domain.BrokerProvider) {
		p.UpstreamTenant = "contoso"
	})
	e.api("POST", "/api/v1/entities/scopes", `{"data":{"type":"scope","id":"broker:powerbi"}}`, 201)
	e.api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"jane","attributes":{"password":"s3cret-pw","roles":[]}}}`, 201)
	return u
}

// TestBrokerCallers: who may have the token, and what everyone else is told.
func TestBrokerCallers(t *testing.T) {
	forEachStore(t, func(t *testing.T, e *env) {
		brokerCallers(t, e)
		id, sec := e.createApp("", `"grantTypes":["client_credentials"],"scopes":["broker:powerbi","orders:read"]`)
		bearer := func(scope string) string {
			r := e.post("/token", url.Values{"grant_type": {"client_credentials"}, "scope": {scope}}, id, sec)
			if r.status != 200 {
				t.Fatalf("client credentials: %d %s", r.status, r.raw)
			}
			return "Bearer " + r.str("access_token")
		}
		john, jane := signedIn(t, e, "john.doe"), signedIn(t, e, "jane")
		same := map[string]string{"Sec-Fetch-Site": "same-origin"}
		cross := map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}
		for _, c := range []struct {
			name   string
			path   string
			header map[string]string
			want   int
			code   string
		}{
			{"no credential", "/tokens/GetAccessToken", nil, 401, "unauthorized"},
			{"invalid bearer", "/tokens/GetAccessToken", map[string]string{"Authorization": "Bearer nope"}, 401, "unauthorized"},
			{"bearer with broker:powerbi", "/default/broker/powerbi/token", map[string]string{"Authorization": bearer("broker:powerbi")}, 200, ""},
			{"bearer without the scope", "/default/broker/powerbi/token", map[string]string{"Authorization": bearer("orders:read")}, 403, "forbidden"},
			{"session with the role", "/tokens/GetAccessToken", with(same, "Cookie", john), 200, ""},
			{"session with the role, Origin", "/default/broker/powerbi/token", with(map[string]string{"Origin": e.base}, "Cookie", john), 200, ""},
			{"session without the role", "/tokens/GetAccessToken", with(same, "Cookie", jane), 403, "forbidden"},
			{"cross-site cookie", "/tokens/GetAccessToken", with(cross, "Cookie", john), 403, "forbidden"},
			{"cookie without an origin", "/tokens/GetAccessToken", map[string]string{"Cookie": john}, 403, "forbidden"},
			{"unknown provider", "/default/broker/nope/token", map[string]string{"Authorization": "Bearer " + e.admin}, 404, "not_found"},
			{"unknown tenant", "/azure/tokens/GetAccessToken", map[string]string{"Authorization": bearer("broker:powerbi")}, 404, "not_found"},
		} {
			r := e.brokerGet(c.path, c.header)
			if r.status != c.want || r.str("error") != c.code {
				t.Errorf("%s: %d %s, want %d %s", c.name, r.status, r.raw, c.want, c.code)
			}
			if r.status != 200 && r.str("error_description") == "" {
				t.Errorf("%s: no error_description: %s", c.name, r.raw)
			}
			if (r.status == 401) != (r.header.Get("WWW-Authenticate") != "") {
				t.Errorf("%s: %d with WWW-Authenticate %q", c.name, r.status, r.header.Get("WWW-Authenticate"))
			}
		}
		wants := []map[string]string{
			{"outcome": "success", "userId": "john.doe", "target": "powerbi"},
			{"outcome": "success", "clientId": id, "target": "powerbi"},
			{"outcome": "failure", "userId": "jane", "reason": "forbidden"},
		}
		evs := e.awaitAudit("/api/v1/audit?action=broker.token", wants...)
		for _, want := range wants {
			if !has(evs, want) {
				t.Errorf("no audit event %v in %v", want, evs)
			}
		}
	})
}

// signedIn signs user in with a password and returns the session cookie
// as a Cookie header.
func signedIn(t *testing.T, e *env, user string) string {
	b := e.browser(t)
	f := b.get("/login").fields()
	f.Set("username", user)
	f.Set("password", "s3cret-pw")
	if p := b.submit("/login", f); p.status != http.StatusOK {
		t.Fatalf("sign-in of %s: %d", user, p.status)
	}
	u, _ := url.Parse(e.base)
	var parts []string
	for _, c := range b.client.Jar.Cookies(u) {
		parts = append(parts, c.Name+"="+c.Value)
	}
	return strings.Join(parts, "; ")
}

func with(m map[string]string, k, v string) map[string]string {
	out := map[string]string{k: v}
	for mk, mv := range m {
		out[mk] = mv
	}
	return out
}

// TestBrokerUpstreamRefusal: an upstream's 400 is our 502 with its error
// code and a request id, never its body; nothing is cached.
func TestBrokerUpstreamRefusal(t *testing.T) {
	e := startServer(t, "")
	u := brokerCallers(t, e)
	u.fail.Store(true)
	auth := map[string]string{"Authorization": "Bearer " + e.admin}
	for range 2 {
		r := e.brokerGet("/tokens/GetAccessToken", auth)
		if r.status != 502 || r.str("error") != "upstream_error" || r.str("upstream_error") != "invalid_client" ||
			r.str("request_id") == "" || r.str("request_id") != r.header.Get("X-Request-Id") {
			t.Errorf("refusal: %d %s", r.status, r.raw)
		}
		if strings.Contains(r.raw, leakedSecret) || strings.Contains(r.raw, "s3cret") {
			t.Errorf("the answer carries a secret: %s", r.raw)
		}
	}
	u.fail.Store(false)
	if r := e.brokerGet("/tokens/GetAccessToken", auth); r.status != 200 || u.calls.Load() != 3 {
		t.Errorf("after the refusals: %d, %d upstream calls, want 200 and 3 (nothing cached)", r.status, u.calls.Load())
	}
}

// TestBrokerTwoNodes: two servers on one PostgreSQL make one upstream call
// for a cold cache, however many callers ask each.
func TestBrokerTwoNodes(t *testing.T) {
	n1, n2 := twoNodes(t)
	u := brokerCallers(t, n1)
	var wg sync.WaitGroup
	var mu sync.Mutex
	seen := map[string]int{}
	for _, n := range []*env{n1, n2, n1, n2} {
		for range 25 {
			wg.Go(func() {
				req, _ := http.NewRequest(http.MethodGet, n.base+"/tokens/GetAccessToken", nil)
				req.Header.Set("Authorization", "Bearer "+n.admin)
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				defer resp.Body.Close()
				var body struct {
					AccessToken string `json:"access_token"`
				}
				_ = json.NewDecoder(resp.Body).Decode(&body)
				mu.Lock()
				seen[body.AccessToken]++
				mu.Unlock()
			})
		}
	}
	wg.Wait()
	if n := u.calls.Load(); n != 1 || len(seen) != 1 || seen["upstream-1"] != 100 {
		t.Fatalf("%d upstream calls, tokens %v; want 1 call and upstream-1 for all", n, seen)
	}
}
