package cache

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// clock is a settable time for a cache under test.
type clock struct{ t time.Time }

func (c *clock) now() time.Time { return c.t }

func newTestCache(max int) (*TTL[string, int], *clock) {
	clk := &clock{t: time.Unix(1000, 0)}
	c := New[string, int](time.Second, max)
	c.now = clk.now
	return c, clk
}

// size counts the entries of every shard, expired ones included.
func (c *TTL[K, V]) size() int {
	n := 0
	for i := range c.shards {
		c.shards[i].mu.RLock()
		n += len(c.shards[i].entries)
		c.shards[i].mu.RUnlock()
	}
	return n
}

func TestTTL(t *testing.T) {
	type want struct {
		key   string
		live  bool // Get finds it
		stale bool // Stale finds it
		value int
	}
	tests := []struct {
		name string
		max  int
		run  func(c *TTL[string, int], clk *clock)
		want []want
	}{
		{"fresh entry", 10, func(c *TTL[string, int], _ *clock) { c.Put("a", 1) },
			[]want{{"a", true, true, 1}}},
		{"unknown key", 10, func(*TTL[string, int], *clock) {},
			[]want{{"a", false, false, 0}}},
		{"expired entry misses but stays a fallback", 10, func(c *TTL[string, int], clk *clock) {
			c.Put("a", 1)
			clk.t = clk.t.Add(2 * time.Second)
		}, []want{{"a", false, true, 1}}},
		{"deleted entry is gone, also as a fallback", 10, func(c *TTL[string, int], _ *clock) {
			c.Put("b", 2)
			c.Delete("b")
		}, []want{{"b", false, false, 0}}},
		{"clear drops every entry, also as a fallback", 10, func(c *TTL[string, int], _ *clock) {
			c.Put("a", 1)
			c.Put("b", 2)
			c.Clear()
			c.Put("c", 3)
		}, []want{{"a", false, false, 0}, {"b", false, false, 0}, {"c", true, true, 3}}},
		{"a load that began before a delete does not put back the stale value", 10, func(c *TTL[string, int], _ *clock) {
			v := c.Version()
			c.Delete("a") // the change, while the load was reading
			c.PutIfUnchanged("a", 1, v)
		}, []want{{"a", false, false, 0}}},
		{"a load that began before a clear does not put back the stale value", 10, func(c *TTL[string, int], _ *clock) {
			v := c.Version()
			c.Clear()
			c.PutIfUnchanged("a", 1, v)
		}, []want{{"a", false, false, 0}}},
		{"a load with no change meanwhile is kept", 10, func(c *TTL[string, int], _ *clock) {
			c.PutIfUnchanged("a", 1, c.Version())
		}, []want{{"a", true, true, 1}}},
		{"put again renews the value and expiry", 10, func(c *TTL[string, int], clk *clock) {
			c.Put("a", 1)
			clk.t = clk.t.Add(900 * time.Millisecond)
			c.Put("a", 2)
			clk.t = clk.t.Add(900 * time.Millisecond)
		}, []want{{"a", true, true, 2}}},
		{"full: the oldest goes", 3, func(c *TTL[string, int], _ *clock) {
			for i, k := range []string{"a", "b", "c", "d"} {
				c.Put(k, i)
			}
		}, []want{{"a", false, false, 0}, {"b", true, true, 1}, {"d", true, true, 3}}},
		{"full: expired entries go before live ones", 3, func(c *TTL[string, int], clk *clock) {
			c.Put("old", 0)
			clk.t = clk.t.Add(2 * time.Second)
			c.Put("b", 1)
			c.Put("c", 2)
			c.Put("d", 3)
		}, []want{{"old", false, false, 0}, {"b", true, true, 1}, {"c", true, true, 2}, {"d", true, true, 3}}},
		{"full: an entry put again is the newest", 3, func(c *TTL[string, int], _ *clock) {
			c.Put("a", 0)
			c.Put("b", 1)
			c.Put("c", 2)
			c.Put("a", 9)
			c.Put("d", 3)
		}, []want{{"b", false, false, 0}, {"a", true, true, 9}, {"c", true, true, 2}}},
		{"full: putting a present key evicts nothing", 2, func(c *TTL[string, int], _ *clock) {
			c.Put("a", 0)
			c.Put("b", 1)
			c.Put("b", 2)
		}, []want{{"a", true, true, 0}, {"b", true, true, 2}}},
		{"delete then refill keeps the order", 2, func(c *TTL[string, int], _ *clock) {
			c.Put("a", 0)
			c.Put("b", 1)
			c.Delete("a")
			c.Put("c", 2)
			c.Put("d", 3)
		}, []want{{"b", false, false, 0}, {"c", true, true, 2}, {"d", true, true, 3}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, clk := newTestCache(tc.max)
			tc.run(c, clk)
			for _, w := range tc.want {
				if v, ok := c.Get(w.key); ok != w.live || (ok && v != w.value) {
					t.Errorf("Get(%q) = %v %v, want live %v value %v", w.key, v, ok, w.live, w.value)
				}
				if v, ok := c.Stale(w.key); ok != w.stale || (ok && v != w.value) {
					t.Errorf("Stale(%q) = %v %v, want found %v value %v", w.key, v, ok, w.stale, w.value)
				}
			}
		})
	}
}

func TestTTLBounded(t *testing.T) {
	for _, tc := range []struct {
		name string
		max  int
		puts int
	}{
		{"one shard", 100, 10_000},
		{"sharded, odd size", 1_001, 20_000},
		{"sharded, production size", 100_000, 300_000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := New[int, int](time.Hour, tc.max)
			for i := range tc.puts {
				c.Put(i, i)
			}
			if n := c.size(); n > tc.max {
				t.Fatalf("cache grew to %d entries, limit %d", n, tc.max)
			}
			if v, ok := c.Get(tc.puts - 1); !ok || v != tc.puts-1 {
				t.Fatal("most recent entry missing after eviction")
			}
			// The oldest entries went first: the very first is gone.
			if _, ok := c.Stale(0); ok {
				t.Fatal("first entry survived a cache full many times over")
			}
		})
	}
}

// TestTTLConcurrent runs every operation from many goroutines (run it
// with -race) and checks the bound afterwards.
func TestTTLConcurrent(t *testing.T) {
	const max = 2_000
	c := New[string, int](time.Millisecond, max)
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 5_000 {
				k := fmt.Sprint((g*7919 + i) % 3_000)
				switch i % 4 {
				case 0, 1:
					c.Put(k, i)
				case 2:
					c.Get(k)
					c.Stale(k)
				case 3:
					c.Delete(k)
				}
			}
		})
	}
	wg.Wait()
	if n := c.size(); n > max {
		t.Fatalf("cache grew to %d entries, limit %d", n, max)
	}
}

func TestPutNew(t *testing.T) {
	c := New[string, int](time.Minute, 100)
	now := time.Now()
	c.now = func() time.Time { return now }
	if !c.PutNew("a", 1) || c.PutNew("a", 2) {
		t.Fatal("a second PutNew of a live key succeeded, or the first failed")
	}
	if v, _ := c.Get("a"); v != 1 {
		t.Fatalf("PutNew replaced the live value: %d", v)
	}
	now = now.Add(time.Minute + time.Second)
	if !c.PutNew("a", 3) {
		t.Fatal("PutNew of an expired key failed")
	}
	var wg sync.WaitGroup
	var wins atomic.Int32
	for range 16 {
		wg.Go(func() {
			if c.PutNew("b", 1) {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent PutNew of one key succeeded, want 1", wins.Load())
	}
}
