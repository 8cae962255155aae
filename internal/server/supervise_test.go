package server

import (
	"context"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestSupervise(t *testing.T) {
	tests := []struct {
		name    string
		cancel  bool // a request cancels ctx, then takes 100 ms
		jobRun  func(ctx context.Context)
		closeLn bool // the listener fails at once
		wantErr string
	}{
		{name: "cancel stops listeners, then jobs", cancel: true, jobRun: func(ctx context.Context) { <-ctx.Done() }},
		{name: "a job that returns early stops the server", jobRun: func(context.Context) {}, wantErr: "flaky job stopped"},
		{name: "a failing listener stops the server", jobRun: func(ctx context.Context) { <-ctx.Done() }, closeLn: true,
			wantErr: "use of closed network connection"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			if tt.closeLn {
				ln.Close()
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			// A request in flight when ctx ends: the job must outlive it.
			var inFlight, jobStoppedFirst atomic.Bool
			srv := &http.Server{Handler: http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
				inFlight.Store(true)
				cancel()
				time.Sleep(100 * time.Millisecond)
				inFlight.Store(false)
			})}
			if tt.cancel {
				go func() {
					if resp, err := http.Get("http://" + ln.Addr().String()); err == nil {
						resp.Body.Close()
					}
				}()
			}
			j := job{name: "flaky job", run: func(ctx context.Context) {
				tt.jobRun(ctx)
				jobStoppedFirst.Store(inFlight.Load())
			}}
			done := make(chan error, 1)
			go func() { done <- supervise(ctx, time.Second, nil, []listener{{srv: srv, ln: ln}}, []job{j}) }()
			select {
			case err = <-done:
			case <-time.After(5 * time.Second):
				t.Fatal("supervise did not return")
			}
			if tt.wantErr == "" && err != nil || tt.wantErr != "" && (err == nil || !strings.Contains(err.Error(), tt.wantErr)) {
				t.Fatalf("err = %v, want %q", err, tt.wantErr)
			}
			if jobStoppedFirst.Load() {
				t.Error("the job stopped while a request was in flight")
			}
		})
	}
}
