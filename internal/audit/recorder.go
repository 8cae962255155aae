package audit

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// Writer is the store methods the recorder needs.
type Writer interface {
	AppendAudit(ctx context.Context, events []Event) error
	InsertAuditEvents(ctx context.Context, events []Event) error
}

// Options tune a Recorder; zero values take the defaults.
type Options struct {
	Buffer    int           // events queued before Record blocks (default 65,536)
	MaxBatch  int           // events per transaction (default 1,000)
	Interval  time.Duration // longest an event waits for its batch (default 200 ms)
	MaxBlock  time.Duration // longest Record blocks on a full queue before dropping (default 1 s)
	Metrics   *Metrics      // counted on Record; may be nil
	Logger    *slog.Logger
	RetryWait time.Duration // pause after a failed write (default 1 s)
	// DurableWait bounds RecordDurable's wait and the durable insert
	// (default 5 s, the store's default timeout).
	DurableWait time.Duration
	// BatchAll makes RecordDurable batch its events like Record's.
	BatchAll bool
}

// Recorder queues events and writes them in batches from one goroutine,
// each batch in one transaction, so auditing costs a request a channel
// send rather than a database round trip.
type Recorder struct {
	w   Writer
	opt Options
	// ch holds pointers: a buffer of 65,536 events would be 12 MiB that
	// every garbage collection scans, since events contain strings, however
	// empty the queue; 65,536 pointers are 512 KiB. An event costs one
	// allocation instead, and a smaller buffer would block requests sooner
	// when the database stalls.
	ch   chan *Event
	quit chan struct{}
	done chan struct{}
	once sync.Once
	// The durable path (durable.go), closed before the batches so that
	// what it queues is still written.
	durable durables
	dropped atomic.Int64
}

// NewRecorder starts a recorder writing to w; Close stops it.
func NewRecorder(w Writer, opt Options) *Recorder {
	if opt.Buffer <= 0 {
		opt.Buffer = 1 << 16
	}
	if opt.MaxBatch <= 0 {
		opt.MaxBatch = 1000
	}
	if opt.Interval <= 0 {
		opt.Interval = 200 * time.Millisecond
	}
	if opt.MaxBlock <= 0 {
		opt.MaxBlock = time.Second
	}
	if opt.RetryWait <= 0 {
		opt.RetryWait = time.Second
	}
	if opt.Logger == nil {
		opt.Logger = slog.Default()
	}
	if opt.DurableWait <= 0 {
		opt.DurableWait = 5 * time.Second
	}
	r := &Recorder{w: w, opt: opt, ch: make(chan *Event, opt.Buffer), quit: make(chan struct{}), done: make(chan struct{})}
	if opt.Metrics != nil {
		opt.Metrics.watchRecorder(r)
	}
	go r.run()
	return r
}

// Record queues e. When the queue is full the caller waits (backpressure
// on the requests producing events) up to MaxBlock; only then is the
// event dropped, and counted.
func (r *Recorder) Record(e Event) {
	if e.Time.IsZero() {
		e.Time = time.Now()
	}
	if m := r.opt.Metrics; m != nil {
		m.observe(&e)
	}
	select {
	case r.ch <- &e:
		return
	default:
	}
	t := time.NewTimer(r.opt.MaxBlock)
	defer t.Stop()
	select {
	case r.ch <- &e:
	case <-t.C:
		r.drop(1)
	case <-r.quit:
		r.drop(1)
	}
}

func (r *Recorder) drop(n int) {
	r.dropped.Add(int64(n))
	if m := r.opt.Metrics; m != nil {
		m.dropped.Add(float64(n))
	}
}

// Dropped returns how many events were lost to a full queue or a failed
// final write.
func (r *Recorder) Dropped() int64 { return r.dropped.Load() }

// Pending returns the number of queued events.
func (r *Recorder) Pending() int { return len(r.ch) }

// Close writes every queued event and stops the writer. Call it after the
// HTTP server stopped, so no request records afterwards.
func (r *Recorder) Close() error {
	r.once.Do(func() {
		r.closeDurable()
		close(r.quit)
	})
	<-r.done
	return nil
}

// run collects batches: a batch is written when it is full or when its
// first event has waited Interval.
func (r *Recorder) run() {
	defer close(r.done)
	batch := make([]Event, 0, r.opt.MaxBatch)
	timer := time.NewTimer(time.Hour)
	timer.Stop()
	for {
		select {
		case e := <-r.ch:
			if len(batch) == 0 {
				timer.Reset(r.opt.Interval)
			}
			batch = append(batch, *e)
			if len(batch) < r.opt.MaxBatch {
				continue
			}
		case <-timer.C:
		case <-r.quit:
			r.drain(batch)
			return
		}
		timer.Stop()
		r.flush(batch, false)
		batch = batch[:0]
	}
}

// drain writes the batch and everything still queued.
func (r *Recorder) drain(batch []Event) {
	for {
		for len(batch) < r.opt.MaxBatch {
			select {
			case e := <-r.ch:
				batch = append(batch, *e)
				continue
			default:
			}
			break
		}
		if len(batch) == 0 {
			return
		}
		r.flush(batch, true)
		batch = batch[:0]
	}
}

// flush writes one batch, retrying while the database is unreachable:
// meanwhile the queue fills and Record applies backpressure. On the way
// out (final) it tries a few times and then counts the batch as dropped.
func (r *Recorder) flush(batch []Event, final bool) {
	if len(batch) == 0 {
		return
	}
	for attempt := 1; ; attempt++ {
		start := time.Now()
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		err := r.w.AppendAudit(ctx, batch)
		cancel()
		if m := r.opt.Metrics; m != nil {
			m.flushSeconds.Observe(time.Since(start).Seconds())
		}
		if err == nil {
			return
		}
		r.opt.Logger.Error("audit: write batch", "events", len(batch), "attempt", attempt, "err", err)
		if final && attempt >= 3 {
			r.drop(len(batch))
			return
		}
		if final {
			time.Sleep(r.opt.RetryWait)
			continue
		}
		select {
		case <-time.After(r.opt.RetryWait):
		case <-r.quit:
			final = true
		}
	}
}
