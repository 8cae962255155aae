package load

import (
	"context"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPercentile(t *testing.T) {
	var h Histogram
	// 1..10000 µs: the p-th percentile is p*100 µs.
	vals := make([]time.Duration, 10000)
	for i := range vals {
		vals[i] = time.Duration(i+1) * time.Microsecond
	}
	rand.Shuffle(len(vals), func(i, j int) { vals[i], vals[j] = vals[j], vals[i] })
	for _, v := range vals {
		h.Record(v)
	}
	for _, tc := range []struct {
		p    float64
		want time.Duration
	}{{50, 5000 * time.Microsecond}, {90, 9000 * time.Microsecond}, {99, 9900 * time.Microsecond}, {100, 10000 * time.Microsecond}} {
		got := h.Percentile(tc.p)
		if diff := float64(got-tc.want) / float64(tc.want); diff > 0.01 || diff < -0.01 {
			t.Errorf("p%v = %v, want %v ± 1 %%", tc.p, got, tc.want)
		}
	}
	if h.Max() != 10*time.Millisecond || h.Count() != 10000 {
		t.Errorf("max %v count %d", h.Max(), h.Count())
	}
}

func TestPercentileSmallAndMerged(t *testing.T) {
	var a, b Histogram
	for _, v := range []time.Duration{1, 2, 3} {
		a.Record(v)
	}
	b.Record(100)
	a.Merge(&b)
	if got := a.Percentile(50); got != 2 {
		t.Errorf("p50 of {1,2,3,100} ns = %v, want 2ns (exact below 128 ns)", got)
	}
	if got := a.Percentile(99); got != 100 {
		t.Errorf("p99 = %v, want 100ns", got)
	}
	var empty Histogram
	if empty.Percentile(99) != 0 {
		t.Error("empty histogram has a non-zero percentile")
	}
}

func TestBucketsCoverEveryValue(t *testing.T) {
	// Every value lies in [lowest(b), lowest(b+1)) of its bucket, and
	// buckets are at most 1/64 of their value wide.
	vals := []uint64{0, 1, 127, 128, 129, 255, 256, 1000, 123456, 1 << 30, 1<<40 - 1}
	for range 1000 {
		vals = append(vals, rand.Uint64N(1<<40))
	}
	for _, v := range vals {
		b := bucketOf(v)
		lo, hi := lowest(b), lowest(b+1)
		if v < lo || v >= hi {
			t.Fatalf("value %d in bucket %d = [%d, %d)", v, b, lo, hi)
		}
		if v >= 128 && float64(hi-lo)/float64(lo) > 1.0/64 {
			t.Fatalf("bucket %d too wide: [%d, %d)", b, lo, hi)
		}
	}
}

func postStep(url string) func(int) Step {
	return func(int) Step {
		return func(ctx context.Context, c *http.Client) (int, error) {
			s, _, _, err := Post(ctx, c, url, FormHeader("a", "b"), []byte("x=1"), false)
			return s, err
		}
	}
}

func TestCountsNon2xxAndErrors(t *testing.T) {
	var n atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1)%2 == 0 {
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer srv.Close()
	res, err := Run(context.Background(), Config{Concurrency: 2, Warmup: 50 * time.Millisecond,
		Duration: 200 * time.Millisecond, NewWorker: postStep(srv.URL)})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests == 0 || res.Non2xx == 0 || res.Status[500] != res.Non2xx || res.Status[200]+res.Status[500] != res.Requests {
		t.Fatalf("requests %d non2xx %d statuses %v", res.Requests, res.Non2xx, res.Status)
	}
	// Half fail, give or take the requests cut by the warm-up boundary.
	if r := float64(res.Non2xx) / float64(res.Requests); r < 0.4 || r > 0.6 {
		t.Errorf("non-2xx share %.2f, want about 0.5", r)
	}
	if res.Errors != 0 || res.Failed() != res.Non2xx {
		t.Errorf("errors %d failed %d", res.Errors, res.Failed())
	}

	// Merging two runs gives the mean rate over both windows.
	var both Result
	both.Merge(res)
	both.Merge(res)
	if both.RPS() != res.RPS() || both.Requests != 2*res.Requests || both.Status[500] != 2*res.Status[500] {
		t.Errorf("merged: rps %v (want %v), requests %d, 500s %d", both.RPS(), res.RPS(), both.Requests, both.Status[500])
	}

	// A server that is gone gives transport errors, not statuses.
	srv.Close()
	res, _ = Run(context.Background(), Config{Concurrency: 1, Duration: 50 * time.Millisecond, NewWorker: postStep(srv.URL)})
	if res.Errors == 0 || res.Errors != res.Requests || res.FirstError == "" {
		t.Errorf("closed server: requests %d errors %d (%q)", res.Requests, res.Errors, res.FirstError)
	}
}

func TestWarmupAndDuration(t *testing.T) {
	var seenAt atomicTimes
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		seenAt.add(time.Now())
		time.Sleep(time.Millisecond)
	}))
	defer srv.Close()
	warm, dur := 300*time.Millisecond, 400*time.Millisecond
	began := time.Now()
	res, err := Run(context.Background(), Config{Concurrency: 4, Warmup: warm, Duration: dur, NewWorker: postStep(srv.URL)})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(began)
	if took < warm+dur || took > warm+dur+500*time.Millisecond {
		t.Errorf("run took %v, want about %v", took, warm+dur)
	}
	if res.Elapsed != dur {
		t.Errorf("elapsed %v, want %v", res.Elapsed, dur)
	}
	seen := seenAt.get()
	var inWarmup int
	for _, ts := range seen {
		if ts.Sub(began) < warm-20*time.Millisecond {
			inWarmup++
		}
	}
	// The server saw warm-up requests that the result does not count.
	if inWarmup == 0 || res.Requests == 0 || uint64(len(seen)) <= res.Requests {
		t.Errorf("server saw %d requests (%d in warm-up), result counts %d", len(seen), inWarmup, res.Requests)
	}
	// The measured requests are about the share of the window.
	want := float64(len(seen)) * float64(dur) / float64(warm+dur)
	if got := float64(res.Requests); got < 0.7*want || got > 1.3*want {
		t.Errorf("measured %v requests, want about %.0f", got, want)
	}
}

// atomicTimes collects times from concurrent handlers (test only).
type atomicTimes struct {
	mu sync.Mutex
	ts []time.Time
}

func (a *atomicTimes) add(t time.Time) {
	a.mu.Lock()
	a.ts = append(a.ts, t)
	a.mu.Unlock()
}

func (a *atomicTimes) get() []time.Time {
	a.mu.Lock()
	defer a.mu.Unlock()
	return slices.Clone(a.ts)
}
