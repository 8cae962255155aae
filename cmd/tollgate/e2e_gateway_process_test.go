package main

import (
	"bufio"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"testing"
	"time"
)

// A remote gateway in a second process, and a real restart of the token
// service on the same port and data: the gateway serves through the
// restart and then follows revocations made after it.

// TestGatewayProcessHelper is the second process: it runs `tollgate
// gateway` with the arguments in TOLLGATE_HELPER_ARGS. Skipped otherwise.
func TestGatewayProcessHelper(t *testing.T) {
	raw := os.Getenv("TOLLGATE_HELPER_ARGS")
	if raw == "" {
		t.Skip("helper process only")
	}
	var args []string
	if err := json.Unmarshal([]byte(raw), &args); err != nil {
		t.Fatal(err)
	}
	root := newRootCmd()
	root.SetArgs(args)
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
}

// startGatewayProcess starts the helper and returns the gateway's URL,
// read from its "gateway serving" log line.
func startGatewayProcess(t *testing.T, keyManager string) string {
	t.Helper()
	p := startHelperProcess(t, "gateway serving", "gateway", "--key-manager", keyManager, "--token", testBootstrap,
		"--gateway-addr", "127.0.0.1:0", "--addr", "127.0.0.1:0", "--log-format", "json", "--log-level", "info")
	return "http://" + p.addr
}

// helperProcess is a `tollgate` command run by TestGatewayProcessHelper
// in a second process.
type helperProcess struct {
	cmd    *exec.Cmd
	addr   string        // the addr of its ready log line
	exited chan struct{} // closed when it exited, then err is set
	err    error
}

// startHelperProcess runs `tollgate args…` (with --log-format json) and
// waits for the log line whose msg is ready. At cleanup the process gets
// an interrupt, and is killed if it has not exited 15 s later.
func startHelperProcess(t *testing.T, ready string, args ...string) *helperProcess {
	t.Helper()
	raw, _ := json.Marshal(args)
	cmd := exec.Command(os.Args[0], "-test.run=^TestGatewayProcessHelper$")
	cmd.Env = append(os.Environ(), "TOLLGATE_HELPER_ARGS="+string(raw))
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &helperProcess{cmd: cmd, exited: make(chan struct{})}
	addr := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			var line struct{ Msg, Addr string }
			if json.Unmarshal(sc.Bytes(), &line) == nil && line.Msg == ready {
				addr <- line.Addr
			}
		}
		p.err = cmd.Wait() // after stderr is read to its end, as Wait requires
		close(p.exited)
	}()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(os.Interrupt)
		select {
		case <-p.exited:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case p.addr = <-addr:
		return p
	case <-time.After(30 * time.Second):
		t.Fatalf("the %s process did not start", args[0])
		return nil
	}
}

func TestRemoteGatewayProcess(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a second process")
	}
	cfg := testConfig(t, "")
	// A fixed port, so the restarted token service is where it was.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.Addr = ln.Addr().String()
	ln.Close()
	start := func() (*env, func()) {
		e, stop := launch(t, cfg)
		return e, func() {
			if err := stop(); err != nil {
				t.Errorf("server stopped with %v", err)
			}
		}
	}
	e, stop := start()
	e.seed()
	up := upstreamEcho(t)
	e.createOrdersAPI(up.URL)
	gw := startGatewayProcess(t, e.base)
	get := func(tok string) func() *response {
		return func() *response {
			req, _ := http.NewRequest("GET", gw+"/orders/v1/items/1", nil)
			req.Header.Set("Authorization", "Bearer "+tok)
			return doReq(t, req)
		}
	}
	access := e.passwordToken("orders:read").str("access_token")
	within(t, 5*time.Second, "read through the second process", get(access), 200)

	stop() // the token service is gone …
	expect(t, "served while the token service is down", get(access)(), 200, "")

	id, secret := e.clientID, e.clientSecret
	e, stop = start() // … and back, on the same port and data
	defer stop()
	e.clientID, e.clientSecret = id, secret
	if rv := e.post("/oauth2/revoke", url.Values{"token": {access}}, e.clientID, e.clientSecret); rv.status != 200 {
		t.Fatalf("revoke: %d %s", rv.status, rv.raw)
	}
	took := within(t, 3*time.Second, "revocation after the restart", get(access), 401)
	t.Logf("revocation after the restart reached the gateway process in %v", took)
}
