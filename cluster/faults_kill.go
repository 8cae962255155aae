package cluster

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"math/rand/v2"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgate-dev/tollgate/bench/load"
)

// KillConfig sizes KillNodeUnderLoad.
type KillConfig struct {
	Victim         int           // index in Nodes of the node killed (1: node 2)
	WorkersPerKind int           // clients per load kind
	Before         time.Duration // load before the kill
	Down           time.Duration // load while the node is down
	After          time.Duration // load after it is started again
}

// Phases of a kill run.
const (
	PhaseBefore = iota
	PhaseDown
	PhaseAfter
	phases
)

var phaseNames = [phases]string{"before the kill", "node down", "after the restart"}

// KindStats are one load kind's counts.
type KindStats struct {
	OK, Failed [phases]int
	Retried    int // first attempts that met a connection error and were sent again
	RetriedOK  int // of which the retry was answered 200
	FirstError string
	// Others counts requests and failures on every target but the killed
	// node (and, for "gateway", its in-process gateway), first attempts
	// and retries alike; Remote is the remote gateway, which follows the
	// killed node.
	OthersReq, OthersFailed int
	RemoteReq, RemoteFailed int
}

// received is one token a client got: the answer's request id, the node
// and when, relative to the kill.
type received struct {
	reqID string
	node  string
	at    time.Duration
}

// KillResult is what KillNodeUnderLoad measured.
type KillResult struct {
	Victim string
	Kinds  map[string]*KindStats
	// DownFor is how long the node was down: from SIGKILL to ready again.
	DownFor time.Duration
	// Chains is the number of refresh chains; DeadChains those whose last
	// received refresh token was refused at the end, with the answers.
	Chains     int
	DeadChains []string
	// Audit per grant: tokens the clients received, success events of
	// the test's application in audit_events, received tokens without an
	// event (lost), and events for tokens no client received (issued by
	// the killed node, answer lost).
	Audit map[string]*AuditFigures
}

// AuditFigures compare tokens received with audit events for one grant.
type AuditFigures struct {
	Received, Events, Unreceived int
	Lost                         []received
}

// Window is the span, relative to the kill, in which the lost tokens were
// received, and the nodes that issued them.
func (a *AuditFigures) Window() string {
	if len(a.Lost) == 0 {
		return "none"
	}
	lo, hi := a.Lost[0].at, a.Lost[0].at
	nodes := map[string]bool{}
	for _, l := range a.Lost {
		lo, hi = min(lo, l.at), max(hi, l.at)
		nodes[l.node] = true
	}
	return fmt.Sprintf("received %+.0f ms to %+.0f ms from the kill, on %s", float64(lo)/float64(time.Millisecond),
		float64(hi)/float64(time.Millisecond), strings.Join(slices.Sorted(maps.Keys(nodes)), ", "))
}

// tokenGrants are the load kinds that obtain a token, with their grant.
var tokenGrants = map[string]string{"client_credentials": "client_credentials", "password": "password", "refresh": "refresh_token"}

// target is where one request goes.
type target struct {
	base, node string
	victim     bool
	remote     bool
}

// KillNodeUnderLoad runs the mixed load over the cluster with clients
// that retry once on the next node on a connection error, kills
// Nodes[cfg.Victim] with SIGKILL after cfg.Before, starts it again after
// cfg.Down more, and keeps the load cfg.After longer. Then it checks
// every refresh chain's last token and compares the tokens received with
// the audit events. The token grants run as an application of their own,
// so its audit events are exactly the load's.
func (c *Cluster) KillNodeUnderLoad(ctx context.Context, cfg KillConfig) (*KillResult, error) {
	victim := c.Nodes[cfg.Victim]
	id, secret, err := c.createApp(c.Nodes[0], "kill")
	if err != nil {
		return nil, err
	}
	introTok, err := c.ClientToken(c.Nodes[0])
	if err != nil {
		return nil, err
	}
	var nodes, gws []target
	for _, n := range c.Nodes {
		nodes = append(nodes, target{base: n.Base, node: n.Name, victim: n == victim})
		gws = append(gws, target{base: n.Gateway, node: n.Name + " gateway", victim: n == victim})
	}
	gws = append(gws, target{base: c.Gateway.Base, node: "remote gateway", remote: true})

	res := &KillResult{Victim: victim.Name, Kinds: map[string]*KindStats{}, Audit: map[string]*AuditFigures{}}
	for _, k := range LoadKinds {
		res.Kinds[k] = &KindStats{}
	}
	var (
		mu       sync.Mutex
		got      = map[string][]received{}
		phase    = PhaseBefore
		killedAt time.Time
		start    = time.Now()
	)
	// The kill instant is known only later; times are kept from start.
	rel := func() time.Duration { return time.Since(start) }

	appH := load.FormHeader(id, secret)
	password := []byte(url.Values{"grant_type": {"password"}, "username": {c.Fixture.User}, "password": {c.Fixture.Password}}.Encode())
	introH := load.FormHeader(c.Fixture.ClientID, c.Fixture.ClientSecret)
	introBody := []byte("token=" + url.QueryEscape(introTok))
	gwH := http.Header{"Authorization": {"Bearer " + introTok}}

	// Refresh chains start from a password grant each, counted as received.
	chains := make([]string, cfg.WorkersPerKind)
	hc := load.NewClient(10 * time.Second)
	for i := range chains {
		t := nodes[i%len(nodes)]
		s, resp, b, err := load.Post(ctx, hc, t.base+"/oauth2/token", appH, password, true)
		if err != nil || s != http.StatusOK {
			return nil, fmt.Errorf("password grant on %s: %d %v %s", t.node, s, err, b)
		}
		var out struct {
			RefreshToken string `json:"refresh_token"`
		}
		if json.Unmarshal(b, &out) != nil || out.RefreshToken == "" {
			return nil, fmt.Errorf("password grant on %s: no refresh token: %s", t.node, b)
		}
		chains[i] = out.RefreshToken
		got["password"] = append(got["password"], received{resp.Header.Get("X-Request-Id"), t.node, rel()})
	}
	res.Chains = len(chains)

	// The load stops between requests, never cutting one: a request cut
	// after the node issued its token would count as an event for a token
	// nobody received.
	var stopping atomic.Bool
	loadCtx := ctx
	var wg sync.WaitGroup
	for _, kind := range LoadKinds {
		st := res.Kinds[kind]
		for w := range cfg.WorkersPerKind {
			wg.Go(func() {
				hc := load.NewClient(10 * time.Second)
				targets := nodes
				if kind == "gateway" {
					targets = gws
				}
				send := func(t target) (int, *http.Response, []byte, error) {
					switch kind {
					case "client_credentials":
						return load.Post(loadCtx, hc, t.base+"/oauth2/token", appH, []byte("grant_type=client_credentials"), true)
					case "password":
						return load.Post(loadCtx, hc, t.base+"/oauth2/token", appH, password, true)
					case "refresh":
						return load.Post(loadCtx, hc, t.base+"/oauth2/token", appH,
							[]byte("grant_type=refresh_token&refresh_token="+url.QueryEscape(chains[w])), true)
					case "introspection":
						return load.Post(loadCtx, hc, t.base+"/oauth2/introspect", introH, introBody, true)
					default:
						return load.Send(loadCtx, hc, http.MethodGet, t.base+apiPath, gwH, nil, false)
					}
				}
				for !stopping.Load() && loadCtx.Err() == nil {
					i := rand.IntN(len(targets))
					t := targets[i]
					s, resp, b, err := send(t)
					mu.Lock()
					p := phase
					mu.Unlock()
					ok := err == nil && s == http.StatusOK
					retried := false
					if s == 0 && connError(err) {
						retried = true
						t2 := targets[(i+1)%len(targets)]
						tally(st, t, false, &mu)
						t = t2
						s, resp, b, err = send(t)
						ok = err == nil && s == http.StatusOK
					}
					if ok && kind == "introspection" && !strings.Contains(string(b), `"active":true`) {
						ok, err = false, errors.New("token introspected as inactive")
					}
					var refresh string
					if ok && tokenGrants[kind] != "" {
						var out struct {
							AccessToken  string `json:"access_token"`
							RefreshToken string `json:"refresh_token"`
						}
						if json.Unmarshal(b, &out) != nil || out.AccessToken == "" {
							ok, err = false, fmt.Errorf("answer carries no access token: %.200s", b)
						}
						refresh = out.RefreshToken
						if kind == "refresh" && refresh == "" {
							ok, err = false, errors.New("refresh answer carries no refresh_token")
						}
					}
					mu.Lock()
					if ok {
						st.OK[p]++
						if g := tokenGrants[kind]; g != "" {
							got[kind] = append(got[kind], received{resp.Header.Get("X-Request-Id"), t.node, rel()})
						}
						if kind == "refresh" {
							chains[w] = refresh
						}
					} else {
						st.Failed[p]++
						if st.FirstError == "" {
							st.FirstError = fmt.Sprintf("%s on %s: status %d, %v %.200s", phaseNames[p], t.node, s, err, b)
						}
					}
					if retried {
						st.Retried++
						if ok {
							st.RetriedOK++
						}
					}
					mu.Unlock()
					tally(st, t, ok, &mu)
				}
			})
		}
	}
	var runErr error
	sleep := func(d time.Duration) {
		select {
		case <-time.After(d):
		case <-ctx.Done():
		}
	}
	sleep(cfg.Before)
	mu.Lock()
	phase, killedAt = PhaseDown, time.Now()
	mu.Unlock()
	if err := victim.Kill(); err != nil {
		runErr = fmt.Errorf("kill %s: %w", victim.Name, err)
	}
	sleep(cfg.Down)
	if err := victim.Start(); err != nil {
		runErr = errors.Join(runErr, fmt.Errorf("start %s: %w", victim.Name, err))
	}
	mu.Lock()
	phase = PhaseAfter
	res.DownFor = time.Since(killedAt)
	mu.Unlock()
	sleep(cfg.After)
	stopping.Store(true)
	wg.Wait()
	if runErr != nil {
		return res, runErr
	}

	// Every chain's last received refresh token must still work.
	for w, tok := range chains {
		t := nodes[w%len(nodes)]
		s, resp, b, err := load.Post(ctx, hc, t.base+"/oauth2/token", appH,
			[]byte("grant_type=refresh_token&refresh_token="+url.QueryEscape(tok)), true)
		if err != nil || s != http.StatusOK {
			res.DeadChains = append(res.DeadChains, fmt.Sprintf("chain %d on %s: %d %v %.200s", w, t.node, s, err, b))
			continue
		}
		got["refresh"] = append(got["refresh"], received{resp.Header.Get("X-Request-Id"), t.node, rel()})
	}

	// The recorders write a batch at most 200 ms after its first event;
	// wait well past it, then read the application's events.
	time.Sleep(1500 * time.Millisecond)
	events, err := c.tokenEvents(ctx, id)
	if err != nil {
		return res, err
	}
	off := killedAt.Sub(start)
	for kind, grant := range tokenGrants {
		a := &AuditFigures{Received: len(got[kind]), Events: len(events[grant])}
		recv := map[string]bool{}
		for _, r := range got[kind] {
			recv[r.reqID] = true
			if !events[grant][r.reqID] {
				r.at -= off
				a.Lost = append(a.Lost, r)
			}
		}
		for reqID := range events[grant] {
			if !recv[reqID] {
				a.Unreceived++
			}
		}
		res.Audit[kind] = a
	}
	return res, nil
}

// tally counts one answered (or failed) attempt against its target.
func tally(st *KindStats, t target, ok bool, mu *sync.Mutex) {
	mu.Lock()
	defer mu.Unlock()
	switch {
	case t.remote:
		st.RemoteReq++
		if !ok {
			st.RemoteFailed++
		}
	case !t.victim:
		st.OthersReq++
		if !ok {
			st.OthersFailed++
		}
	}
}

// connError is true for an error before any answer that a client may
// retry elsewhere: refused, reset or closed connection.
func connError(err error) bool {
	if err == nil {
		return false
	}
	return errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) ||
		errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) || errors.Is(err, syscall.EPIPE)
}

// tokenEvents reads the request ids of the successful token events of
// application clientID from the database, per grant.
func (c *Cluster) tokenEvents(ctx context.Context, clientID string) (map[string]map[string]bool, error) {
	conn, err := pgx.Connect(ctx, c.PG.DSN("postgres"))
	if err != nil {
		return nil, err
	}
	defer conn.Close(ctx)
	rows, err := conn.Query(ctx, `SELECT grant_type, request_id FROM audit_events
		WHERE action = 'token' AND outcome = 'success' AND client_id = $1`, clientID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]bool{}
	for rows.Next() {
		var g, id string
		if err := rows.Scan(&g, &id); err != nil {
			return nil, err
		}
		if out[g] == nil {
			out[g] = map[string]bool{}
		}
		out[g][id] = true
	}
	return out, rows.Err()
}

// Report renders r as the Markdown of docs/RELIABILITY.md.
func (r *KillResult) Report() string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s down for %s (SIGKILL to ready again).\n\n", r.Victim, ms(r.DownFor))
	b.WriteString("| load | ok before | ok down | ok after | failed before | failed down | failed after | retried (ok) | failed on the other nodes | remote gateway failed |\n")
	b.WriteString("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |\n")
	for _, k := range LoadKinds {
		s := r.Kinds[k]
		remote := "n/a"
		if k == "gateway" {
			remote = fmt.Sprintf("%d of %d", s.RemoteFailed, s.RemoteReq)
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %d | %d | %d | %d (%d) | %d of %d | %s |\n", k, s.OK[0], s.OK[1], s.OK[2],
			s.Failed[0], s.Failed[1], s.Failed[2], s.Retried, s.RetriedOK, s.OthersFailed, s.OthersReq, remote)
	}
	fmt.Fprintf(&b, "\nRefresh chains whose last received token was refused at the end: %d of %d.\n", len(r.DeadChains), r.Chains)
	for _, d := range r.DeadChains {
		fmt.Fprintf(&b, "- %s\n", d)
	}
	b.WriteString("\n| grant | tokens received | audit events | received without an event (lost) | lost: when received, by which node | events for tokens not received |\n")
	b.WriteString("| --- | ---: | ---: | ---: | --- | ---: |\n")
	for _, k := range []string{"password", "refresh", "client_credentials"} {
		a := r.Audit[k]
		if a == nil {
			continue
		}
		fmt.Fprintf(&b, "| %s | %d | %d | %d | %s | %d |\n", tokenGrants[k], a.Received, a.Events, len(a.Lost), a.Window(), a.Unreceived)
	}
	for _, k := range LoadKinds {
		if e := r.Kinds[k].FirstError; e != "" {
			fmt.Fprintf(&b, "\nfirst failure of %s: %s\n", k, e)
		}
	}
	return b.String()
}
