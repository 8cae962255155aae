package main

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptrace"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// SIGTERM of a node under keep-alive load. Node A is a `tollgate serve`
// process; node B runs in the test on the same SQLite data. Each client
// behaves like one behind a load balancer: it keeps its connections alive
// on A and, when A refuses a connection or a reused idle connection fails
// before any byte of a response, retries once on B. No request may fail,
// no connection to A may be reset, A must exit 0 within its grace, and
// every token handed out must have its audit event.

const (
	sigtermClients = 24
	sigtermGrace   = 10 * time.Second
	sigtermDrain   = 300 * time.Millisecond
)

// sigtermLoad counts what the clients saw.
type sigtermLoad struct {
	ok, tokens, retried atomic.Int64
	mu                  sync.Mutex
	failures, resets    []string // requests lost; connections to A reset
	resetClients        map[int]bool
	inFlightNot200      int // requests on A begun before SIGTERM that did not end in 200
}

func (l *sigtermLoad) note(list *[]string, client int, msg string, reset bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	*list = append(*list, msg)
	if reset {
		l.resetClients[client] = true
	}
}

func TestSigtermUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a second process")
	}
	cfg := testConfig(t, "")
	b, _ := launch(t, cfg)
	b.seed()
	aURL, node := startServeProcess(t, cfg.DataDir)
	tokenRound := func(c *sigtermClient) {
		body, ok := c.do("/token", postForm("/token", url.Values{"grant_type": {"client_credentials"}}, b.clientID, b.clientSecret))
		if !ok {
			return
		}
		var tok struct {
			AccessToken string `json:"access_token"`
		}
		if json.Unmarshal(body, &tok) != nil || tok.AccessToken == "" {
			c.load.note(&c.load.failures, c.id, "token answer without access_token: "+string(body), false)
			return
		}
		c.load.tokens.Add(1)
		c.do("/oauth2/introspect", postForm("/oauth2/introspect", url.Values{"token": {tok.AccessToken}}, b.clientID, b.clientSecret))
	}
	load := runSigterm(t, node, aURL, b.base, tokenRound)
	// A wrote its events before it exited; B, still running, writes its
	// own every 200 ms.
	deadline := time.Now().Add(3 * time.Second)
	n := countTokenEvents(t, b)
	for n < load.tokens.Load() && time.Now().Before(deadline) {
		time.Sleep(50 * time.Millisecond)
		n = countTokenEvents(t, b)
	}
	if n != load.tokens.Load() {
		t.Errorf("%d client_credentials audit events for %d tokens received", n, load.tokens.Load())
	}
}

// TestGatewaySigtermUnderLoad: the same for a remote gateway process (A)
// under keep-alive GETs through it, retried on the token service's own
// gateway (B); it drains as a node does.
func TestGatewaySigtermUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a second process")
	}
	b := startServer(t, "")
	b.createOrdersAPI(upstreamEcho(t).URL)
	access := b.passwordToken("orders:read").str("access_token")
	gw := startHelperProcess(t, "gateway serving", "gateway", "--key-manager", b.base, "--token", testBootstrap,
		"--gateway-addr", "127.0.0.1:0", "--addr", "127.0.0.1:0", "--log-format", "json", "--log-level", "info",
		"--shutdown-grace", sigtermGrace.String(), "--shutdown-drain", sigtermDrain.String())
	aURL := "http://" + gw.addr
	get := func(ctx context.Context, base string) *http.Request {
		req, _ := http.NewRequestWithContext(ctx, "GET", base+"/orders/v1/items/1", nil)
		req.Header.Set("Authorization", "Bearer "+access)
		return req
	}
	within(t, 5*time.Second, "the remote gateway routes the API", func() *response {
		resp, err := http.DefaultClient.Do(get(context.Background(), aURL))
		if err != nil {
			return &response{}
		}
		resp.Body.Close()
		return &response{status: resp.StatusCode}
	}, 200)
	runSigterm(t, gw, aURL, b.app.GatewayURL(), func(c *sigtermClient) { c.do("GET /orders", get) })
}

// runSigterm drives sigtermClients clients, each calling round in a loop
// against A (node) with B to retry on, sends A SIGTERM after a second,
// keeps the load up until 300 ms after A exited, and checks what every
// process must do: exit 0 within its grace, fail no request, reset no
// connection, and answer 200 to every request begun before the signal.
func runSigterm(t *testing.T, node *helperProcess, aURL, bURL string, round func(*sigtermClient)) *sigtermLoad {
	t.Helper()
	load := &sigtermLoad{resetClients: map[int]bool{}}
	var sigtermAt atomic.Int64 // unix nanoseconds, 0 before the signal
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for i := range sigtermClients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c := &sigtermClient{id: i, a: aURL, b: bURL,
				hc: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 1}}, load: load, sigtermAt: &sigtermAt}
			for {
				select {
				case <-stop:
					return
				default:
				}
				round(c)
			}
		}()
	}
	time.Sleep(time.Second) // every client has a warm keep-alive connection
	sigtermAt.Store(time.Now().UnixNano())
	if err := node.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-node.exited:
	case <-time.After(sigtermGrace + 5*time.Second):
		t.Fatal("the process did not exit after SIGTERM")
	}
	took := time.Since(time.Unix(0, sigtermAt.Load()))
	time.Sleep(300 * time.Millisecond) // clients now meet a refused connection and retry on B
	close(stop)
	wg.Wait()

	t.Logf("%d requests answered, %d tokens, %d retried on B; %d of %d clients saw a reset (%d resets); exited in %v",
		load.ok.Load(), load.tokens.Load(), load.retried.Load(), len(load.resetClients), sigtermClients, len(load.resets), took)
	if node.err != nil {
		t.Errorf("the process exited with %v", node.err)
	}
	if took > sigtermGrace {
		t.Errorf("the process took %v to exit, past its %v grace", took, sigtermGrace)
	}
	if len(load.failures) > 0 {
		t.Errorf("%d requests failed, e.g. %s", len(load.failures), load.failures[0])
	}
	if len(load.resets) > 0 {
		t.Errorf("%d connections to the draining process were reset, e.g. %s", len(load.resets), load.resets[0])
	}
	if load.inFlightNot200 > 0 {
		t.Errorf("%d requests in flight at SIGTERM did not end in 200", load.inFlightNot200)
	}
	if load.ok.Load() == 0 {
		t.Error("no request was answered")
	}
	return load
}

// sigtermClient is one keep-alive client of A, retrying on B.
type sigtermClient struct {
	id        int
	a, b      string
	hc        *http.Client
	load      *sigtermLoad
	sigtermAt *atomic.Int64
}

// postForm builds a form POST with the client's Basic credentials.
func postForm(path string, form url.Values, clientID, secret string) func(context.Context, string) *http.Request {
	return func(ctx context.Context, base string) *http.Request {
		req, _ := http.NewRequestWithContext(ctx, "POST", base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Authorization", basicAuth(clientID, secret))
		return req
	}
}

// do sends the request newReq builds to A, or to B when A refuses or a
// reused idle connection fails before any response byte (nothing reached
// a handler).
func (c *sigtermClient) do(what string, newReq func(context.Context, string) *http.Request) ([]byte, bool) {
	begun := time.Now().UnixNano()
	var reused, answered atomic.Bool
	trace := &httptrace.ClientTrace{
		GotConn:              func(i httptrace.GotConnInfo) { reused.Store(i.Reused) },
		GotFirstResponseByte: func() { answered.Store(true) },
	}
	ctx := httptrace.WithClientTrace(context.Background(), trace)
	body, status, err := c.send(newReq(ctx, c.a))
	inFlight := c.sigtermAt.Load() != 0 && begun < c.sigtermAt.Load()
	if err == nil {
		if status != http.StatusOK {
			c.load.note(&c.load.failures, c.id, what+": status "+http.StatusText(status)+": "+string(body), false)
			if inFlight {
				c.load.mu.Lock()
				c.load.inFlightNot200++
				c.load.mu.Unlock()
			}
			return nil, false
		}
		c.load.ok.Add(1)
		return body, true
	}
	refused := errors.Is(err, syscall.ECONNREFUSED)
	if !refused {
		c.load.note(&c.load.resets, c.id, what+" (reused "+boolWord(reused.Load())+"): "+err.Error(), true)
		if inFlight {
			c.load.mu.Lock()
			c.load.inFlightNot200++
			c.load.mu.Unlock()
		}
	}
	if !refused && (!reused.Load() || answered.Load()) {
		c.load.note(&c.load.failures, c.id, what+": "+err.Error(), false)
		return nil, false
	}
	c.load.retried.Add(1)
	body, status, err = c.send(newReq(context.Background(), c.b))
	if err != nil || status != http.StatusOK {
		c.load.note(&c.load.failures, c.id, what+" on B: "+http.StatusText(status)+" "+errString(err), false)
		return nil, false
	}
	c.load.ok.Add(1)
	return body, true
}

func (c *sigtermClient) send(req *http.Request) ([]byte, int, error) {
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, 0, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	return body, resp.StatusCode, err
}

func boolWord(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// countTokenEvents counts the successful client_credentials token events
// of the default tenant, page by page.
func countTokenEvents(t *testing.T, e *env) int64 {
	t.Helper()
	f := domain.AuditFilter{Action: domain.ActionToken, Outcome: domain.OutcomeSuccess, Grant: "client_credentials", Limit: 1000}
	var n int64
	for {
		evs, err := e.app.Store().ListAudit(context.Background(), domain.DefaultTenant, f)
		if err != nil {
			t.Fatal(err)
		}
		n += int64(len(evs))
		if len(evs) < f.Limit {
			return n
		}
		last := evs[len(evs)-1]
		f.After = &domain.AuditCursor{Time: last.Time, ID: last.ID}
	}
}

// startServeProcess runs `tollgate serve` on dataDir in a second process
// and returns its URL.
func startServeProcess(t *testing.T, dataDir string) (string, *helperProcess) {
	t.Helper()
	p := startHelperProcess(t, "tollgate serving", "serve", "--data-dir", dataDir, "--bootstrap-token", testBootstrap,
		"--addr", "127.0.0.1:0", "--gateway-addr", "127.0.0.1:0", "--log-format", "json", "--log-level", "info",
		"--shutdown-grace", sigtermGrace.String(), "--shutdown-drain", sigtermDrain.String(),
		"--password-hash-memory", "64", "--password-hash-iterations", "1")
	return "http://" + p.addr, p
}
