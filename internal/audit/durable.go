package audit

import (
	"context"
	"sync"
	"time"

	"github.com/tollgate-dev/tollgate/internal/store"
)

// The durable path: events that a crash must not lose are in the store
// before the request that made them answers. A request whose event finds
// fewer than maxDurableWrites inserts in flight inserts it at once, so a
// lone request waits for one insert, as it would on its own; past that,
// events queue, and the next insert to finish takes the whole queue in
// one statement. Concurrent requests thus share statements instead of
// each adding one to a busy database, and never wait behind a single
// writer (which, measured, halved the refresh grant's rate on
// PostgreSQL). The statistics are left to the batches: the event goes on
// to the queue marked Stored, and AppendAudit counts it without inserting
// it again.

// maxDurableWrites bounds the durable inserts in flight.
const maxDurableWrites = 4

// minDurableWait is the least wait worth an insert (see RecordDurable).
const minDurableWait = 100 * time.Millisecond

// durable is one event waiting to be stored.
type durable struct {
	e    Event
	done chan struct{}
}

// durables is the durable path's state.
type durables struct {
	mu       sync.Mutex
	inFlight int
	queue    []*durable
	closed   bool
	writers  sync.WaitGroup
}

// RecordDurable stores e before it returns and queues it for the
// statistics. It waits at most what is left of ctx's store.Budget (or
// DurableWait): past that, the event stays queued and is stored by the
// next insert (or queued whole if the store fails), so it is late but not
// lost unless the process dies.
func (r *Recorder) RecordDurable(ctx context.Context, e Event) {
	if r.opt.BatchAll {
		r.Record(e)
		return
	}
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	wait := r.opt.DurableWait
	if b := store.BudgetOf(ctx); b != nil {
		wait = min(wait, b.Left())
	}
	// Too little left to store it: an insert cut short might still
	// commit, and the batch would then write the event a second time.
	if wait < minDurableWait {
		r.Record(e)
		return
	}
	d := &durable{e: e, done: make(chan struct{})}
	p := &r.durable
	p.mu.Lock()
	switch {
	case p.closed:
		p.mu.Unlock()
		r.Record(e)
		return
	case p.inFlight < maxDurableWrites:
		p.inFlight++
		p.writers.Add(1)
		p.mu.Unlock()
		r.writeDurable([]*durable{d}, wait)
		return
	}
	p.queue = append(p.queue, d)
	p.mu.Unlock()
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-d.done:
	case <-t.C:
	}
}

// writeDurable stores batch, waiting at most wait, and, if events queued
// meanwhile, hands its slot on to a goroutine that stores them, so the
// caller answers now.
func (r *Recorder) writeDurable(batch []*durable, wait time.Duration) {
	r.storeDurable(batch, wait)
	p := &r.durable
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.queue) == 0 {
		p.inFlight--
		p.writers.Done()
		return
	}
	n := min(len(p.queue), store.MaxInsertAuditEvents)
	next := p.queue[:n:n]
	p.queue = p.queue[n:]
	go r.writeDurable(next, r.opt.DurableWait)
}

// storeDurable inserts batch within wait, queues its events for the
// statistics (whole, if the insert failed) and releases their requests.
func (r *Recorder) storeDurable(batch []*durable, wait time.Duration) {
	events := make([]Event, len(batch))
	for i, d := range batch {
		events[i] = d.e
	}
	ctx, cancel := context.WithTimeout(context.Background(), wait)
	err := r.w.InsertAuditEvents(ctx, events)
	cancel()
	if err != nil {
		r.opt.Logger.Warn("audit: events queued, not stored at once", "events", len(events), "err", err)
	}
	for i, d := range batch {
		events[i].Stored = err == nil
		r.Record(events[i])
		close(d.done)
	}
}

// closeDurable lets the inserts in flight finish, with what they have
// queued; later events go to the batches.
func (r *Recorder) closeDurable() {
	p := &r.durable
	p.mu.Lock()
	p.closed = true
	p.mu.Unlock()
	p.writers.Wait()
}
