package main

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
)

// propagationBound is how soon a change made on one node must be in effect
// on every node and every remote gateway (p99).
const propagationBound = time.Second

// cluster is two nodes on one PostgreSQL and a remote gateway fed by the
// second: every change is made on n1 and checked on n2 and rg.
type cluster struct {
	n1, n2 *env
	rg     string // the remote gateway's base URL
}

// TestChangesReachEveryNode makes each kind of admin change on node 1,
// and undoes it, round after round, and measures how long until each is
// in effect on node 2 and on a remote gateway fed by node 2: none of them
// shares a cache with node 1, and each kind is one the followers must
// drop from a cache.
func TestChangesReachEveryNode(t *testing.T) {
	if !pgtest.Enabled() {
		t.Skip("needs PostgreSQL: two nodes share one database")
	}
	c := newCluster(t)
	kinds := c.changeKinds(t)
	var lat []time.Duration
	byKind := map[string][]time.Duration{}
	for round := 0; len(lat) < 100; round++ {
		for _, k := range kinds {
			for _, on := range []bool{true, false} {
				start := time.Now()
				k.change(round, on)
				d := c.waitInEffect(t, k.name, round, start, func() bool { return k.inEffect(round, on) })
				lat = append(lat, d)
				byKind[k.name] = append(byKind[k.name], d)
			}
		}
	}
	slices.Sort(lat)
	p50, p99, worst := lat[len(lat)/2], lat[len(lat)*99/100-1], lat[len(lat)-1]
	t.Logf("%d changes: p50 %v, p99 %v, max %v", len(lat), p50, p99, worst)
	for _, k := range kinds {
		ds := byKind[k.name]
		slices.Sort(ds)
		t.Logf("  %-20s n=%d p50 %v max %v", k.name, len(ds), ds[len(ds)/2], ds[len(ds)-1])
	}
	if p99 > propagationBound {
		t.Fatalf("p99 %v over %d changes, want within %v", p99, len(lat), propagationBound)
	}
	// A cache put back stale by a lookup racing its change would show as
	// one change taking its TTL (5 s).
	if worst > 2*propagationBound {
		t.Fatalf("slowest change took %v", worst)
	}
}

func newCluster(t *testing.T) *cluster {
	n1, n2 := twoNodes(t)
	up := upstreamEcho(t)
	n1.createOrdersAPI(up.URL)
	// The remote gateway trusts n1's issuer: the tokens checked are n1's.
	rg := startRemoteGateway(t, n2.base, n1.base)
	return &cluster{n1: n1, n2: n2, rg: rg.URL()}
}

// changeKind is one kind of change: change makes it on n1 (on) or undoes
// it (!on); inEffect checks n2 and the remote gateway.
type changeKind struct {
	name     string
	change   func(round int, on bool)
	inEffect func(round int, on bool) bool
}

func (c *cluster) changeKinds(t *testing.T) []changeKind {
	n1, n2 := c.n1, c.n2
	// An API token, since the nodes' issuers differ (no shared --public-url
	// in a test): it holds john.doe's orders:read on every gateway.
	apiTok := n1.createAPIToken(n1.admin, "john.doe", "roaming", "")
	// Both gateways answer 200 for bearer on the orders API when on is
	// false, onStatus when it is true.
	gateways := func(bearer string, on bool, onStatus int) bool {
		want := http.StatusOK
		if on {
			want = onStatus
		}
		return n2.gatewayStatus(n2.app.GatewayURL(), "/orders/v1/items/1", bearer) == want &&
			n2.gatewayStatus(c.rg, "/orders/v1/items/1", bearer) == want
	}
	granted := func(scope string) bool {
		return n2.post("/token", url.Values{"grant_type": {"client_credentials"}, "scope": {scope}},
			n1.clientID, n1.clientSecret).status == http.StatusOK
	}
	appScopes := func(extra string) {
		n1.api("PATCH", "/api/v1/entities/applications/"+n1.clientID, `{"data":{"type":"application","id":"`+n1.clientID+
			`","attributes":{"scopes":["orders:read"`+extra+`]}}}`, 200)
	}
	var cred string
	return []changeKind{
		{name: "application scopes", change: func(_ int, on bool) {
			if on {
				appScopes(`,"orders:write"`)
			} else {
				appScopes(``)
			}
		}, inEffect: func(_ int, on bool) bool { return granted("orders:write") == on }},
		{name: "user disabled", change: func(_ int, on bool) {
			n1.api("PATCH", "/api/v1/entities/users/john.doe",
				fmt.Sprintf(`{"data":{"type":"user","id":"john.doe","attributes":{"disabled":%t}}}`, on), 200)
		}, inEffect: func(_ int, on bool) bool { return gateways(apiTok, on, http.StatusUnauthorized) }},
		{name: "role scopes", change: func(_ int, on bool) {
			scopes := `["orders:read"]`
			if on {
				scopes = `[]`
			}
			n1.api("PATCH", "/api/v1/entities/roles/reader", `{"data":{"type":"role","id":"reader","attributes":{"scopes":`+scopes+`}}}`, 200)
		}, inEffect: func(_ int, on bool) bool { return gateways(apiTok, on, http.StatusForbidden) }},
		{name: "API resources", change: func(_ int, on bool) {
			scope := "orders:read"
			if on {
				scope = "orders:write"
			}
			n1.api("PATCH", "/api/v1/entities/apis/orders", `{"data":{"type":"api","id":"orders","attributes":{"resources":[
				{"method":"GET","path":"/items/{id}","scopes":["`+scope+`"]}]}}}`, 200)
		}, inEffect: func(_ int, on bool) bool { return gateways(apiTok, on, http.StatusForbidden) }},
		{name: "scope", change: func(round int, on bool) {
			id := fmt.Sprintf("extra%d", round)
			if on {
				n1.api("POST", "/api/v1/entities/scopes", `{"data":{"type":"scope","id":"`+id+`"}}`, 201)
				appScopes(`,"` + id + `"`)
				return
			}
			n1.api("DELETE", "/api/v1/entities/scopes/"+id+"?force=true", "", 204)
		}, inEffect: func(round int, on bool) bool { return granted(fmt.Sprintf("extra%d", round)) == on }},
		{name: "tenant", change: func(round int, on bool) {
			if on {
				n1.api("POST", "/api/v1/entities/tenants", fmt.Sprintf(`{"data":{"type":"tenant","id":"t%d","attributes":{"name":"T"}}}`, round), 201)
				return
			}
			n1.api("DELETE", fmt.Sprintf("/api/v1/entities/tenants/t%d", round), "", 204)
		}, inEffect: func(round int, on bool) bool {
			status := n2.post(fmt.Sprintf("/t%d/oauth2/token", round), url.Values{"grant_type": {"client_credentials"}}, "nobody", "x").status
			return (status != http.StatusNotFound) == on
		}},
		{name: "signing key", change: func(int, bool) {
			n1.api("POST", "/api/v1/actions/keys/rotate", "", 204)
		}, inEffect: func(int, bool) bool {
			active := jwtHeader(t, n1.passwordToken("orders:read").str("access_token")).Kid
			return jwtHeader(t, n2.passwordToken("orders:read").str("access_token")).Kid == active
		}},
		{name: "gateway credential", change: func(round int, on bool) {
			id := fmt.Sprintf("edge%d", round)
			if on {
				doc := n1.api("POST", "/api/v1/entities/gatewayCredentials", `{"data":{"type":"gatewayCredential","id":"`+id+`"}}`, 201)
				cred = attrs(doc)["bearerToken"].(string)
				return
			}
			n1.api("DELETE", "/api/v1/entities/gatewayCredentials/"+id, "", 204)
		}, inEffect: func(_ int, on bool) bool {
			return (n2.do("GET", "/api/v1/gateway/apis", "", "", "Bearer "+cred).status == http.StatusOK) == on
		}},
	}
}

// waitInEffect polls inEffect until it holds and returns the time since
// start; it fails the test after 10 s.
func (c *cluster) waitInEffect(t *testing.T, kind string, round int, start time.Time, inEffect func() bool) time.Duration {
	t.Helper()
	for !inEffect() {
		if time.Since(start) > 10*time.Second {
			t.Fatalf("%s (round %d): not in effect on node 2 and the remote gateway after 10 s", kind, round)

		}
		time.Sleep(5 * time.Millisecond)
	}
	return time.Since(start)
}

// gatewayStatus calls GET path on the gateway at base with bearer.
func (e *env) gatewayStatus(base, path, bearer string) int {
	req, _ := http.NewRequest("GET", base+path, nil)
	req.Header.Set("Authorization", "Bearer "+bearer)
	return doReq(e.t.(*testing.T), req).status
}
