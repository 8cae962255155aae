package sqlstore_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
)

// TestPostgresListen: a change committed through another store (another
// node) wakes Listen; after the server was shut down and restarted, or
// frozen and thawed, Listen reports the loss, connects again and wakes on
// the next change, without the store being reopened.
func TestPostgresListen(t *testing.T) {
	c := pgtest.NewCluster(t)
	open := func() *sqlstore.Store {
		s, err := sqlstore.Open(t.Context(), c.DSN("postgres"), sqlstore.WithTimeout(300*time.Millisecond))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	}
	listener, writer := open(), open()
	wakes := make(chan struct{}, 100)
	var losses atomic.Int32
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() {
		defer close(done)
		listener.Listen(ctx, func() { wakes <- struct{}{} }, func(error) { losses.Add(1) })
	}()
	defer func() { cancel(); <-done }()

	awaitWake := func(what string) {
		t.Helper()
		select {
		case <-wakes:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: Listen did not wake", what)
		}
	}
	drain := func() {
		for len(wakes) > 0 {
			<-wakes
		}
	}
	awaitWake("connecting") // woken once connected: catch up on what came before
	if err := writer.PutSetting(t.Context(), "k", "v"); err != nil {
		t.Fatal(err)
	}
	awaitWake("a change on another node")

	for _, outage := range c.Outages() {
		t.Run(outage.Name, func(t *testing.T) {
			if err := outage.Down(); err != nil {
				t.Fatal(err)
			}
			before := losses.Load()
			if outage.Name == "shut down" {
				for deadline := time.Now().Add(10 * time.Second); losses.Load() == before; {
					if time.Now().After(deadline) {
						t.Fatal("the lost connection was not reported")
					}
					time.Sleep(20 * time.Millisecond)
				}
			}
			if err := outage.Back(); err != nil {
				t.Fatal(err)
			}
			// Until two writes in a row each wake Listen: at most one of
			// those wakes is the reconnection's own.
			for inARow, deadline := 0, time.Now().Add(15*time.Second); inARow < 2; {
				if time.Now().After(deadline) {
					t.Fatal("changes after the outage do not wake Listen")
				}
				drain()
				if err := writer.PutSetting(t.Context(), "k", time.Now().String()); err != nil {
					inARow = 0 // the server is still coming back
					time.Sleep(50 * time.Millisecond)
					continue
				}
				select {
				case <-wakes:
					inARow++
				case <-time.After(2 * time.Second):
					inARow = 0
				}
			}
		})
	}
}
