package feed

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// source is a feed in memory; fail makes its next reads fail.
type source struct {
	mu      sync.Mutex
	changes []domain.Change
	fail    error
	reads   int
}

func (s *source) add(entity, id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.changes = append(s.changes, domain.Change{Seq: int64(len(s.changes) + 1), Tenant: "acme", Entity: entity, ID: id})
}

func (s *source) ChangesSince(_ context.Context, after int64, limit int) ([]domain.Change, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	if s.fail != nil {
		return nil, s.fail
	}
	var out []domain.Change
	for _, c := range s.changes {
		if c.Seq > after && len(out) < limit {
			out = append(out, c)
		}
	}
	return out, nil
}

func (s *source) FeedPosition(context.Context) (int64, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.fail != nil {
		return 0, s.fail
	}
	return int64(len(s.changes)), nil
}

// recorder is a handler noting what it was handed, as entity/id ("all"
// for ChangeAll); failOn makes it refuse one id.
type recorder struct {
	mu     sync.Mutex
	got    []string
	failOn string
}

func (r *recorder) handle(_ context.Context, c domain.Change) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if c.Everything() {
		r.got = append(r.got, "all")
		return nil
	}
	if c.ID == r.failOn {
		return errors.New("reload failed")
	}
	r.got = append(r.got, c.Entity+"/"+c.ID)
	return nil
}

func (r *recorder) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

func TestCatchUp(t *testing.T) {
	tests := []struct {
		name string
		run  func(t *testing.T, src *source, rec *recorder, f *Follower)
		want []string
	}{
		{name: "the first catch-up starts at the end and reloads everything",
			run: func(t *testing.T, src *source, _ *recorder, f *Follower) {
				src.add("api", "old")
				must(t, f.CatchUp(t.Context()))
			}, want: []string{"all"}},
		{name: "later changes come once each, in order",
			run: func(t *testing.T, src *source, _ *recorder, f *Follower) {
				must(t, f.CatchUp(t.Context()))
				src.add("api", "a")
				src.add("user", "b")
				must(t, f.CatchUp(t.Context()))
				must(t, f.CatchUp(t.Context()))
			}, want: []string{"all", "api/a", "user/b"}},
		{name: "a failed read changes nothing and the next one resumes",
			run: func(t *testing.T, src *source, _ *recorder, f *Follower) {
				must(t, f.CatchUp(t.Context()))
				src.add("api", "a")
				src.fail = errors.New("database down")
				if f.CatchUp(t.Context()) == nil {
					t.Fatal("a failed read was not reported")
				}
				src.fail = nil
				must(t, f.CatchUp(t.Context()))
			}, want: []string{"all", "api/a"}},
		{name: "a handler's failure hands the same change again",
			run: func(t *testing.T, src *source, rec *recorder, f *Follower) {
				must(t, f.CatchUp(t.Context()))
				src.add("api", "a")
				src.add("api", "b")
				rec.failOn = "b"
				if f.CatchUp(t.Context()) == nil {
					t.Fatal("a handler's failure was not reported")
				}
				rec.failOn = ""
				must(t, f.CatchUp(t.Context()))
			}, want: []string{"all", "api/a", "api/b"}},
		{name: "after an absence longer than the retention, everything again",
			run: func(t *testing.T, src *source, _ *recorder, f *Follower) {
				clock := time.Now()
				f.now = func() time.Time { return clock }
				must(t, f.CatchUp(t.Context()))
				src.add("api", "a") // purged, say, while the follower was away
				clock = clock.Add(domain.ChangeRetention)
				must(t, f.CatchUp(t.Context()))
				src.add("api", "b")
				must(t, f.CatchUp(t.Context()))
			}, want: []string{"all", "all", "api/b"}},
		{name: "more changes than one read returns",
			run: func(t *testing.T, src *source, _ *recorder, f *Follower) {
				must(t, f.CatchUp(t.Context()))
				for range 2500 {
					src.add("user", "u")
				}
				must(t, f.CatchUp(t.Context()))
			}, want: append([]string{"all"}, slices.Repeat([]string{"user/u"}, 2500)...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src, rec := &source{}, &recorder{}
			f := New(src, quiet, rec.handle)
			tt.run(t, src, rec, f)
			if got := rec.seen(); !slices.Equal(got, tt.want) {
				t.Fatalf("handled %d changes %.80q, want %d %.80q", len(got), got, len(tt.want), tt.want)
			}
		})
	}
}

// TestRunWakes: Run applies a change as soon as it is woken, long before
// its interval.
func TestRunWakes(t *testing.T) {
	src, rec := &source{}, &recorder{}
	f := New(src, quiet, rec.handle)
	var wake Signal
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan struct{})
	go func() { defer close(done); f.Run(ctx, time.Hour, wake.C) }()
	defer func() { cancel(); <-done }()
	waitFor(t, func() bool { return len(rec.seen()) == 1 }) // the start's "all"
	src.add("api", "a")
	start := time.Now()
	wake.Notify()
	waitFor(t, func() bool { return len(rec.seen()) == 2 })
	if d := time.Since(start); d > time.Second {
		t.Fatalf("woken catch-up took %v", d)
	}
	if got := rec.seen(); !slices.Equal(got, []string{"all", "api/a"}) {
		t.Fatalf("handled %q", got)
	}
}

func TestSignal(t *testing.T) {
	var s Signal
	a, b := s.C(), s.C()
	select {
	case <-a:
		t.Fatal("closed before Notify")
	default:
	}
	s.Notify()
	<-a
	<-b
	s.Notify() // with no waiter: must not block or panic
	c := s.C()
	select {
	case <-c:
		t.Fatal("a channel taken after Notify is already closed")
	default:
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

func waitFor(t *testing.T, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(5 * time.Second); !ok(); {
		if time.Now().After(deadline) {
			t.Fatal("condition not met within 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
