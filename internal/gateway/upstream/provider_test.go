package upstream

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// The operator may name this server's own listeners as an identity
// provider — tenant B federating through tenant A — but not as a gateway
// upstream; a tenant admin may name them as neither.
func TestProviderOwnListeners(t *testing.T) {
	var hits int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		hits++
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	self, err := NewPolicy([]string{"127.0.0.0/8"}, srv.Listener.Addr())
	if err != nil {
		t.Fatal(err)
	}
	self.resolver = offline
	port := uint16(srv.Listener.Addr().(*net.TCPAddr).Port)
	ctx := t.Context()

	if err := self.CheckProvider(ctx, "127.0.0.1", port, true); err != nil {
		t.Errorf("operator's provider on an own listener: %v", err)
	}
	if err := self.CheckProvider(ctx, "localhost", port, true); err != nil {
		t.Errorf("operator's provider on an own listener, by name: %v", err)
	}
	if err := self.CheckProvider(ctx, "127.0.0.1", port, false); !IsRefusal(err) || !strings.Contains(err.Error(), "own listener") {
		t.Errorf("tenant admin's provider on an own listener (network allowed): %v", err)
	}
	// The gateway's rule is unchanged.
	if err := self.Check(ctx, "127.0.0.1", port, true); !IsRefusal(err) {
		t.Errorf("operator's upstream on an own listener: %v", err)
	}

	get := func(c *http.Client) error {
		res, err := c.Get(srv.URL)
		if err == nil {
			res.Body.Close()
		}
		return err
	}
	if err := get(self.ProviderClient(true, 5*time.Second)); err != nil {
		t.Errorf("operator's provider client: %v", err)
	}
	if err := get(self.ProviderClient(false, 5*time.Second)); !IsRefusal(err) {
		t.Errorf("tenant admin's provider client: %v, want a refusal", err)
	}
	gw := &http.Client{Transport: &http.Transport{DialContext: self.DialContext(true)}}
	if err := get(gw); !IsRefusal(err) {
		t.Errorf("the gateway's dialer after a provider client was made: %v, want a refusal", err)
	}
	strict := Strict()
	if err := get(strict.ProviderClient(false, 5*time.Second)); !IsRefusal(err) {
		t.Errorf("tenant admin's provider client on loopback: %v, want a refusal", err)
	}
	if hits != 1 {
		t.Errorf("the server got %d requests, want 1", hits)
	}
}

func TestProviderResponseLimit(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n := MaxProviderResponse
		if r.URL.Path == "/big" {
			n++
		}
		io.WriteString(w, strings.Repeat("a", n))
	}))
	defer srv.Close()
	c := Strict().ProviderClient(true, 5*time.Second)
	read := func(path string) (int, error) {
		res, err := c.Get(srv.URL + path)
		if err != nil {
			return 0, err
		}
		defer res.Body.Close()
		b, err := io.ReadAll(res.Body)
		return len(b), err
	}
	if n, err := read("/"); err != nil || n != MaxProviderResponse {
		t.Errorf("a body of the limit: %d bytes, %v", n, err)
	}
	if _, err := read("/big"); !errors.Is(err, ErrResponseTooLarge) {
		t.Errorf("a body over the limit: %v", err)
	}
}

func TestProviderTimeout(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { <-release }))
	defer srv.Close()
	defer close(release)
	start := time.Now()
	res, err := Strict().ProviderClient(true, 200*time.Millisecond).Get(srv.URL)
	if err == nil {
		res.Body.Close()
		t.Fatal("a provider that never answers was answered")
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("gave up after %v", d)
	}
}

// A provider client lets go of its connections when asked, so one made
// for a single discovery leaves nothing open.
func TestProviderCloseIdle(t *testing.T) {
	closed := make(chan struct{}, 1)
	srv := httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) { io.WriteString(w, "ok") }))
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateClosed {
			closed <- struct{}{}
		}
	}
	srv.Start()
	defer srv.Close()
	c := Strict().ProviderClient(true, 5*time.Second)
	res, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, res.Body)
	res.Body.Close()
	c.CloseIdleConnections()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("the idle connection stayed open")
	}
}
