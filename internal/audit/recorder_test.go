package audit_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/tollgate-dev/tollgate/internal/audit"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
)

func openStore(t testing.TB, path string) *sqlstore.Store {
	t.Helper()
	st, err := sqlstore.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	return st
}

func event(i int) audit.Event {
	return audit.Event{Time: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(i) * time.Millisecond),
		Tenant: "t", Action: domain.ActionToken, Grant: domain.GrantClientCredentials,
		Outcome: domain.OutcomeSuccess, ClientID: fmt.Sprint("c", i%3), RemoteAddr: "192.0.2.1", RequestID: fmt.Sprint(i)}
}

func count(t *testing.T, st *sqlstore.Store) int {
	t.Helper()
	n := 0
	f := domain.AuditFilter{Limit: 1000}
	for {
		page, err := st.ListAudit(context.Background(), "t", f)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page)
		if len(page) == 0 {
			return n
		}
		last := page[len(page)-1]
		f.After = &domain.AuditCursor{Time: last.Time, ID: last.ID}
	}
}

// TestRecordDurableStoresAtOnce: an event recorded durably is in the
// store when RecordDurable returns, with no batch written yet, and the
// batch that follows counts it without storing it twice.
func TestRecordDurableStoresAtOnce(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "a.db"))
	defer st.Close()
	r := audit.NewRecorder(st, audit.Options{Interval: time.Hour})
	ev := event(1)
	ev.Grant, ev.UserID = domain.GrantPassword, "john"
	r.RecordDurable(context.Background(), ev)
	r.Record(event(2))
	if got := count(t, st); got != 1 {
		t.Fatalf("%d events stored before any batch, want the durable one", got)
	}
	r.Close()
	if got := count(t, st); got != 2 {
		t.Fatalf("%d events after Close, want 2", got)
	}
	if got := counted(t, st); got != 2 {
		t.Fatalf("counted %d tokens, want 2", got)
	}
}

// counted is the tokens the statistics hold for event's hour.
func counted(t *testing.T, st *sqlstore.Store) int64 {
	t.Helper()
	day := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	counts, err := st.TokenCounts(context.Background(), "t", day, day.Add(time.Hour), time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	var n int64
	for _, c := range counts {
		n += c.Count
	}
	return n
}

// TestRecordDurableConcurrently: many requests at once share the durable
// writer's inserts; each event is stored when its call returns, and
// listed and counted once.
func TestRecordDurableConcurrently(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "a.db"))
	defer st.Close()
	r := audit.NewRecorder(st, audit.Options{Interval: time.Hour})
	const n = 300
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			ev := event(i)
			ev.Grant = domain.GrantRefreshToken
			r.RecordDurable(context.Background(), ev)
		})
	}
	wg.Wait()
	if got := count(t, st); got != n {
		t.Fatalf("%d events stored when every call returned, want %d", got, n)
	}
	r.Close()
	if got := count(t, st); got != n {
		t.Fatalf("%d events after Close, want %d", got, n)
	}
	if got := counted(t, st); got != n {
		t.Fatalf("counted %d tokens, want %d", got, n)
	}
}

// TestCloseFlushesAndRestartKeeps records more than a batch with a batch
// interval that never fires: Close alone must write them, and a reopened
// store must hold every one.
func TestCloseFlushesAndRestartKeeps(t *testing.T) {
	path := filepath.Join(t.TempDir(), "a.db")
	st := openStore(t, path)
	r := audit.NewRecorder(st, audit.Options{Interval: time.Hour, MaxBatch: 1000, Metrics: audit.NewMetrics(prometheus.NewRegistry())})
	const n = 2500
	for i := range n {
		r.Record(event(i))
	}
	if err := r.Close(); err != nil {
		t.Fatal(err)
	}
	if r.Dropped() != 0 {
		t.Fatalf("dropped %d", r.Dropped())
	}
	st.Close()
	st = openStore(t, path)
	defer st.Close()
	if got := count(t, st); got != n {
		t.Fatalf("after reopening: %d events, want %d", got, n)
	}
}

// slowWriter delays every batch, as a busy database would.
type slowWriter struct {
	audit.Writer
	delay time.Duration
}

func (w slowWriter) AppendAudit(ctx context.Context, evs []audit.Event) error {
	time.Sleep(w.delay)
	return w.Writer.AppendAudit(ctx, evs)
}

// TestFullQueueBlocksRatherThanDrops: with a tiny queue and a slow
// writer, Record waits for room and no event is lost.
func TestFullQueueBlocksRatherThanDrops(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "a.db"))
	defer st.Close()
	r := audit.NewRecorder(slowWriter{st, 20 * time.Millisecond}, audit.Options{Buffer: 4, MaxBatch: 8, Interval: time.Millisecond})
	start := time.Now()
	for i := range 64 {
		r.Record(event(i))
	}
	if time.Since(start) < 20*time.Millisecond {
		t.Fatal("Record never waited on a full queue")
	}
	r.Close()
	if r.Dropped() != 0 {
		t.Fatalf("dropped %d", r.Dropped())
	}
	if got := count(t, st); got != 64 {
		t.Fatalf("%d events stored, want 64", got)
	}
}

// TestDropsAreCountedAfterMaxBlock: a writer that never finishes leaves
// Record to drop after MaxBlock, and the drop is counted.
func TestDropsAreCountedAfterMaxBlock(t *testing.T) {
	release := make(chan struct{})
	w := blockingWriter(release)
	r := audit.NewRecorder(w, audit.Options{Buffer: 1, MaxBatch: 1, Interval: time.Millisecond, MaxBlock: 10 * time.Millisecond})
	for i := range 5 {
		r.Record(event(i))
	}
	if r.Dropped() == 0 {
		t.Fatal("no drop counted")
	}
	close(release)
	r.Close()
}

type blockingWriter chan struct{}

func (b blockingWriter) AppendAudit(ctx context.Context, _ []audit.Event) error {
	<-b
	return nil
}

func (blockingWriter) InsertAuditEvents(context.Context, []audit.Event) error { return nil }

// The default queue must not pin memory that every garbage collection
// scans: as a channel of 65,536 events it was 12 MiB, 88 % of an idle
// server's heap.
func TestDefaultQueueIsSmall(t *testing.T) {
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	r := audit.NewRecorder(discard{}, audit.Options{})
	runtime.ReadMemStats(&after)
	defer r.Close()
	if grew := after.TotalAlloc - before.TotalAlloc; grew > 1<<20 {
		t.Fatalf("a new recorder allocated %d KiB", grew>>10)
	}
}

// BenchmarkRecord is the cost a request pays to be audited: the metric
// increment, the event's copy to the heap and a channel send (the writer
// drains in the background).
func BenchmarkRecord(b *testing.B) {
	st := openStore(b, filepath.Join(b.TempDir(), "a.db"))
	defer st.Close()
	r := audit.NewRecorder(st, audit.Options{Metrics: audit.NewMetrics(prometheus.NewRegistry())})
	ev := event(1)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Record(ev)
		}
	})
	b.StopTimer()
	r.Close()
}

type discard struct{}

func (discard) AppendAudit(context.Context, []audit.Event) error { return nil }

func (discard) InsertAuditEvents(context.Context, []audit.Event) error { return nil }

// BenchmarkRecordEnqueue is Record alone, with a writer that keeps up:
// what a request pays while the database does.
func BenchmarkRecordEnqueue(b *testing.B) {
	r := audit.NewRecorder(discard{}, audit.Options{Metrics: audit.NewMetrics(prometheus.NewRegistry())})
	ev := event(1)
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			r.Record(ev)
		}
	})
	b.StopTimer()
	r.Close()
}

// TestRecordDurableWithoutBudget: a request whose database budget is
// spent does not start an insert it cannot wait for; its event is
// batched instead, and written once.
func TestRecordDurableWithoutBudget(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "a.db"))
	defer st.Close()
	r := audit.NewRecorder(st, audit.Options{Interval: time.Hour})
	ctx := store.WithBudget(context.Background(), 0)
	ev := event(1)
	ev.Grant = domain.GrantPassword
	r.RecordDurable(ctx, ev)
	if got := count(t, st); got != 0 {
		t.Fatalf("%d events stored with no budget left, want the event batched", got)
	}
	r.Close()
	if got := count(t, st); got != 1 {
		t.Fatalf("%d events after Close, want 1", got)
	}
}

// failingInsert is a store whose immediate insert fails, as a database
// gone between a token's commit and its event would.
type failingInsert struct{ audit.Writer }

func (failingInsert) InsertAuditEvents(context.Context, []audit.Event) error {
	return errors.New("database unavailable")
}

// TestRecordDurableInsertFails: when the immediate insert fails, the event
// is not lost: it is queued whole and the batch writes it, once.
func TestRecordDurableInsertFails(t *testing.T) {
	st := openStore(t, filepath.Join(t.TempDir(), "a.db"))
	defer st.Close()
	r := audit.NewRecorder(failingInsert{st}, audit.Options{Interval: time.Hour})
	ev := event(1)
	ev.Grant = domain.GrantRefreshToken
	r.RecordDurable(context.Background(), ev)
	r.Close()
	if got := count(t, st); got != 1 {
		t.Fatalf("%d events after a failed immediate insert, want 1", got)
	}
	if got := counted(t, st); got != 1 {
		t.Fatalf("counted %d tokens, want 1", got)
	}
}
