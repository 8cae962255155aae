package main

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"testing"
	"time"
)

// SIGTERM (here: the context serve runs under) stops accepting, lets a
// request in flight finish, and returns cleanly.
func TestGracefulShutdown(t *testing.T) {
	e, stop := launch(t, testConfig(t, ""))
	e.seed()

	// A token request whose body is still arriving when shutdown starts.
	body, w := io.Pipe()
	req, _ := http.NewRequest("POST", e.base+"/token", body)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth(e.clientID, e.clientSecret)
	result := make(chan *http.Response, 1)
	go func() {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Errorf("in-flight request failed: %v", err)
		}
		result <- resp
	}()
	form := url.Values{"grant_type": {"client_credentials"}}.Encode()
	_, _ = w.Write([]byte(form[:5]))
	time.Sleep(100 * time.Millisecond)
	stopped := make(chan error, 1)
	go func() { stopped <- stop() }()
	time.Sleep(100 * time.Millisecond)
	_, _ = w.Write([]byte(form[5:]))
	_ = w.Close()

	resp := <-result
	if resp == nil {
		t.FailNow()
	}
	defer resp.Body.Close()
	var tok map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&tok); err != nil || resp.StatusCode != 200 || tok["access_token"] == nil {
		t.Fatalf("in-flight request: %d %v %v", resp.StatusCode, tok, err)
	}
	select {
	case err := <-stopped:
		if err != nil {
			t.Fatalf("run returned %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("server did not stop")
	}
	if _, err := http.Get(e.base + "/healthz"); err == nil {
		t.Fatal("server still accepts connections after shutdown")
	}
}
