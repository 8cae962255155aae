package main

import (
	"context"
	"fmt"
	"net/url"
	"os"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
)

// Races across nodes: the same request fired at three nodes on one
// PostgreSQL at the same instant, round after round with fresh data, must
// have the effect the design promises for one request, once. Each round
// releases its goroutines with one channel close, so the requests reach
// the database as close together as the scheduler allows.

// raceRounds is how many rounds each case runs: enough for make test,
// TOLLGATE_CLUSTER_RACES_N for a longer hunt for rare interleavings.
func raceRounds(t *testing.T) int {
	if s := os.Getenv("TOLLGATE_CLUSTER_RACES_N"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 {
			t.Fatalf("TOLLGATE_CLUSTER_RACES_N=%q: want a positive number", s)
		}
		return n
	}
	return 20
}

// threeNodes starts three nodes on one new database with one master key,
// trusting 127.0.0.1 as a proxy so throttling can tell clients apart.
func threeNodes(t *testing.T) []*env {
	if !pgtest.Enabled() {
		t.Skip("needs PostgreSQL: three nodes share one database")
	}
	dsn := pgtest.NewDatabase(t)
	cfg := testConfig(t, dsn)
	cfg.TrustedProxies = []string{"127.0.0.1"}
	nodes := []*env{startWith(t, cfg)}
	for range 2 {
		cfg := testConfig(t, dsn)
		cfg.TrustedProxies = []string{"127.0.0.1"}
		cfg.MasterKeyFile = nodes[0].cfg.MasterKeyPath()
		n, _ := launch(t, cfg)
		n.clientID, n.clientSecret = nodes[0].clientID, nodes[0].clientSecret
		nodes = append(nodes, n)
	}
	return nodes
}

// together runs f(0) … f(n-1) in goroutines released at one instant and
// returns their results in order.
func together[R any](n int, f func(i int) R) []R {
	out := make([]R, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			out[i] = f(i)
		}()
	}
	close(start)
	wg.Wait()
	return out
}

// TestClusterRaces runs every case on one three-node cluster: starting
// one costs more than a case.
func TestClusterRaces(t *testing.T) {
	nodes := threeNodes(t)
	rounds := raceRounds(t)
	t.Run("refresh token", func(t *testing.T) { raceRefresh(t, nodes, rounds) })
	t.Run("embed nonce", func(t *testing.T) { raceEmbedNonce(t, nodes, rounds) })
	t.Run("signing key rotation", func(t *testing.T) { raceKeyRotation(t, nodes, rounds) })
	t.Run("create user and API", func(t *testing.T) { raceCreate(t, nodes, rounds) })
	t.Run("password throttling", func(t *testing.T) { raceThrottle(t, nodes, rounds) })
}

// raceRefresh presents one refresh token to three nodes at once. Without
// a grace period one rotates and the two others are reuse, which revokes
// the family, the winner's successor included (OAuth 2.0 Security BCP
// §4.14). With one, all three get the same successor, which then rotates
// once like any token.
func raceRefresh(t *testing.T, nodes []*env, rounds int) {
	n1 := nodes[0]
	app := func(grace int) (id, secret string) {
		return n1.createApp("", fmt.Sprintf(`"grantTypes":["password","refresh_token"],"scopes":["orders:read"],"refreshReuseGraceSeconds":%d`, grace))
	}
	strictID, strictSecret := app(0)
	graceID, graceSecret := app(60)
	for _, c := range []struct {
		name       string
		id, secret string
		grace      bool
	}{
		{name: "no grace", id: strictID, secret: strictSecret},
		{name: "grace", id: graceID, secret: graceSecret, grace: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			refresh := func(e *env, rt string) *response {
				return e.post("/token", url.Values{"grant_type": {"refresh_token"}, "refresh_token": {rt}}, c.id, c.secret)
			}
			for round := range rounds {
				login := n1.post("/token", passwordForm("john.doe", "s3cret-pw"), c.id, c.secret)
				rt := login.str("refresh_token")
				if login.status != 200 || rt == "" {
					t.Fatalf("round %d: password grant: %d %s", round, login.status, login.raw)
				}
				rs := together(len(nodes), func(i int) *response { return refresh(nodes[i], rt) })
				ok, successors := 0, map[string]bool{}
				for i, r := range rs {
					switch {
					case r.status == 200:
						ok++
						successors[r.str("refresh_token")] = true
					case c.grace || r.status != 400 || r.str("error") != "invalid_grant":
						t.Fatalf("round %d: node %d: %d %s", round, i+1, r.status, r.raw)
					}
				}
				if c.grace {
					if ok != len(nodes) || len(successors) != 1 {
						t.Fatalf("round %d: %d answers, %d distinct successors; want every node to hand out one", round, ok, len(successors))
					}
				} else if ok != 1 {
					t.Fatalf("round %d: %d rotations, want exactly 1", round, ok)
				}
				var next string
				for s := range successors {
					next = s
				}
				// With a grace the successor is live and rotates once;
				// without one the reuse revoked it with its family.
				r := refresh(nodes[round%len(nodes)], next)
				if (r.status == 200) != c.grace {
					t.Fatalf("round %d: the successor after the race: %d %s", round, r.status, r.raw)
				}
			}
		})
	}
}

// raceEmbedNonce sends one signed embed request to three nodes at once:
// the nonce is redeemed once, the replays are invalid_grant.
func raceEmbedNonce(t *testing.T, nodes []*env, rounds int) {
	secret := nodes[0].enableEmbed("", `"orders:read"`)
	for round := range rounds {
		form := embedSigned("john.doe", secret, fmt.Sprintf("race-nonce-%d", round), time.Now())
		rs := together(len(nodes), func(i int) *response { return nodes[i].post("/oauth2/token", form, "", "") })
		ok := 0
		for i, r := range rs {
			switch {
			case r.status == 200 && r.str("access_token") != "":
				ok++
			case r.status != 400 || r.str("error") != "invalid_grant":
				t.Fatalf("round %d: node %d: %d %s, want 200 or invalid_grant", round, i+1, r.status, r.raw)
			}
		}
		if ok != 1 {
			t.Fatalf("round %d: the nonce was redeemed %d times, want once", round, ok)
		}
	}
}

// raceKeyRotation rotates the signing key on every node at once. After
// it every node signs with one and the same key, and every key that
// signed a token, before or after, is still published by every node and
// verifies that token (Dex #976 lost keys this way).
func raceKeyRotation(t *testing.T, nodes []*env, rounds int) {
	ctx := context.Background()
	keySets := make([]*oidc.RemoteKeySet, len(nodes))
	for i, n := range nodes {
		keySets[i] = oidc.NewRemoteKeySet(ctx, n.base+"/oauth2/jwks")
	}
	var signed []string // a token from each node, before and after each round
	for round := range rounds {
		for _, n := range nodes {
			signed = append(signed, n.passwordToken("orders:read").str("access_token"))
		}
		statuses := together(len(nodes), func(i int) int {
			return nodes[i].do("POST", "/api/v1/actions/keys/rotate", "", "", "Bearer "+testBootstrap).status
		})
		for i, s := range statuses {
			if s != 204 {
				t.Fatalf("round %d: rotation on node %d: %d", round, i+1, s)
			}
		}
		keys, err := nodes[0].app.Store().ListSigningKeys(ctx, "default", time.Now())
		if err != nil {
			t.Fatal(err)
		}
		active := 0
		for _, k := range keys {
			if k.Use == domain.KeyUseTokens && k.RetiredAt == nil {
				active++
			}
		}
		if active != 1 {
			t.Fatalf("round %d: %d active signing keys after %d rotations at once, want 1", round, active, len(nodes))
		}
		// Each node answers after its own rotation; the others' reach it
		// through the change feed within tens of milliseconds.
		deadline := time.Now().Add(2 * time.Second)
		for {
			kids := map[string]bool{}
			var last string
			for _, n := range nodes {
				last = n.passwordToken("orders:read").str("access_token")
				kids[jwtHeader(t, last).Kid] = true
				signed = append(signed, last)
			}
			if len(kids) == 1 {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("round %d: the nodes still sign with %d keys 2 s after the rotations", round, len(kids))
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	for i, ks := range keySets {
		for _, tok := range signed {
			if _, err := ks.VerifySignature(ctx, tok); err != nil {
				t.Fatalf("node %d does not verify a token signed with key %s: %v", i+1, jwtHeader(t, tok).Kid, err)
			}
		}
	}
}

// raceCreate creates one user, then one API, on every node at once: one
// 201, the rest 409, and the winner whole on every node.
func raceCreate(t *testing.T, nodes []*env, rounds int) {
	post := func(path, body string) []int {
		return together(len(nodes), func(i int) int {
			return nodes[i].do("POST", path, "application/vnd.api+json", body, "Bearer "+testBootstrap).status
		})
	}
	oneCreated := func(round int, what string, statuses []int) {
		t.Helper()
		created := 0
		for i, s := range statuses {
			switch s {
			case 201:
				created++
			case 409:
			default:
				t.Fatalf("round %d: %s on node %d: %d, want 201 or 409", round, what, i+1, s)
			}
		}
		if created != 1 {
			t.Fatalf("round %d: %s created %d times, want once", round, what, created)
		}
	}
	for round := range rounds {
		user := fmt.Sprintf("racer%d", round)
		oneCreated(round, "user", post("/api/v1/entities/users",
			`{"data":{"type":"user","id":"`+user+`","attributes":{"password":"pw-`+user+`","roles":["reader"]}}}`))
		api := fmt.Sprintf("race%d", round)
		oneCreated(round, "API", post("/api/v1/entities/apis", `{"data":{"type":"api","id":"`+api+`","attributes":{
			"context":"/`+api+`","upstream":"http://127.0.0.1:9","resources":[{"method":"GET","path":"/x","scopes":["orders:read"]}]}}}`))
		for _, n := range nodes {
			if r := n.post("/token", passwordForm(user, "pw-"+user), n.clientID, n.clientSecret); r.status != 200 || r.str("scope") != "orders:read" {
				t.Fatalf("round %d: the raced user signs in with %d %s", round, r.status, r.raw)
			}
			res := n.api("GET", "/api/v1/entities/apis/"+api, "", 200)["data"].(map[string]any)["attributes"].(map[string]any)["resources"]
			if rs, _ := res.([]any); len(rs) != 1 {
				t.Fatalf("round %d: the raced API has resources %v", round, res)
			}
		}
	}
}

// raceThrottle spreads 10 wrong passwords for one user from one client
// address over the three nodes, in waves of one request per node at once.
// They count as 10, as on one node: that address is then refused on
// every node, the right password included, while another address still
// signs the user in at once (the per-user limit delays, never locks).
func raceThrottle(t *testing.T, nodes []*env, rounds int) {
	const limit = 10 // throttle.DefaultLimits().PerUserAddr
	for round := range rounds {
		user, guesser, other := fmt.Sprintf("guessed%d", round), fmt.Sprintf("198.51.100.%d", round+1), fmt.Sprintf("203.0.113.%d", round+1)
		nodes[0].api("POST", "/api/v1/entities/users", `{"data":{"type":"user","id":"`+user+`","attributes":{"password":"right-pw","roles":["reader"]}}}`, 201)
		for sent := 0; sent < limit; sent += len(nodes) {
			wave := min(len(nodes), limit-sent)
			rs := together(wave, func(i int) *response { return nodes[i].postFrom(guesser, user, "wrong-pw") })
			for i, r := range rs {
				if r.status != 400 || r.str("error") != "invalid_grant" || r.header.Get("Retry-After") != "" {
					t.Fatalf("round %d: failure %d on node %d: %d %s, want a plain refusal", round, sent+i+1, i+1, r.status, r.raw)
				}
			}
		}
		rs := together(len(nodes), func(i int) *response { return nodes[i].postFrom(guesser, user, "right-pw") })
		for i, r := range rs {
			if r.status != 400 || r.header.Get("Retry-After") == "" {
				t.Fatalf("round %d: right password from the guessing address on node %d after %d failures: %d %s, want throttled",
					round, i+1, limit, r.status, r.raw)
			}
		}
		rs = together(len(nodes), func(i int) *response { return nodes[i].postFrom(other, user, "right-pw") })
		for i, r := range rs {
			if r.status != 200 {
				t.Fatalf("round %d: right password from another address on node %d: %d %s, want signed in", round, i+1, r.status, r.raw)
			}
		}
	}
}
