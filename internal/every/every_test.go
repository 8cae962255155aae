package every_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/every"
)

func TestRun(t *testing.T) {
	tests := []struct {
		name      string
		cancelAt  time.Duration // cancel after this long
		wantAtMin int32
		wantAtMax int32
	}{
		{name: "no call before the first interval", cancelAt: 5 * time.Millisecond, wantAtMin: 0, wantAtMax: 0},
		{name: "calls every interval", cancelAt: 500 * time.Millisecond, wantAtMin: 2, wantAtMax: 10},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(context.Background(), tt.cancelAt)
			defer cancel()
			var calls atomic.Int32
			every.Run(ctx, 50*time.Millisecond, func(c context.Context) {
				if c != ctx {
					t.Error("f got a context other than Run's")
				}
				calls.Add(1)
			})
			if ctx.Err() == nil {
				t.Fatal("Run returned before its context ended")
			}
			if n := calls.Load(); n < tt.wantAtMin || n > tt.wantAtMax {
				t.Errorf("calls = %d, want %d..%d", n, tt.wantAtMin, tt.wantAtMax)
			}
		})
	}
}

func TestRunReturnsWhenCancelledDuringCall(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		every.Run(ctx, time.Millisecond, func(context.Context) { cancel() })
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not return after its context was cancelled")
	}
}

// TestFollow: a wake runs f at once, long before the interval; a failure
// is reported and delays the next call by the retry pause even when woken.
func TestFollow(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	calls := make(chan struct{}) // f waits until the test takes each call
	wake := make(chan struct{})
	var failures atomic.Int32
	fail := atomic.Bool{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		every.Follow(ctx, 500*time.Millisecond, func() <-chan struct{} { return wake }, func(ctx context.Context) error {
			select {
			case calls <- struct{}{}:
			case <-ctx.Done():
				return ctx.Err()
			}
			if fail.Load() {
				return errors.New("down")
			}
			return nil
		}, func(error) { failures.Add(1) })
	}()
	<-calls // at once
	woke := time.Now()
	close(wake) // wakes every wait from now on
	<-calls
	if d := time.Since(woke); d > 250*time.Millisecond {
		t.Fatalf("a wake ran f after %v, not at once", d)
	}
	fail.Store(true)
	<-calls // the next woken call fails
	start := time.Now()
	<-calls
	if d := time.Since(start); d < 900*time.Millisecond {
		t.Fatalf("after a failure the next call came after %v, want the retry pause", d)
	}
	if failures.Load() == 0 {
		t.Fatal("failure not reported")
	}
	cancel()
	<-done
}
