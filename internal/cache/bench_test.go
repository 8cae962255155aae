package cache_test

import (
	"crypto/sha256"
	"encoding/binary"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/cache"
)

// benchKey has the shape of the keys of the busiest caches: a tenant and
// the SHA-256 of a token (verified JWTs, API tokens).
type benchKey struct {
	tenant string
	sum    [sha256.Size]byte
}

func benchKeys(n int) []benchKey {
	keys := make([]benchKey, n)
	for i := range keys {
		var b [8]byte
		binary.BigEndian.PutUint64(b[:], uint64(i))
		keys[i] = benchKey{tenant: "acme", sum: sha256.Sum256(b[:])}
	}
	return keys
}

// benchParallelism goroutines per CPU stand for the requests a server
// has in flight: all of them wait while one holds a shard's lock.
const benchParallelism = 16

// sampleEvery: one operation in so many is timed on its own, for the
// latency percentiles; a stall of the whole cache catches the samples
// too.
const sampleEvery = 8

// BenchmarkTTL measures the cache at the size the token, API-token and
// client caches run with (100,000 entries) under parallel use, the way
// the callers use it: Get, and on a miss Put. "hits" reads half as many
// keys as the cache holds; "churn" twice as many, so about half the reads
// miss and every such Put evicts; "put" only puts keys not cached. Besides
// the mean it reports the 99.9th percentile and the longest operation:
// an eviction that holds the lock long stalls every reader.
func BenchmarkTTL(b *testing.B) {
	const size = 100_000
	keys := benchKeys(2 * size)
	for _, bc := range []struct {
		name    string
		working int // distinct keys read
		putOnly bool
	}{
		{"hits", size / 2, false},
		{"churn", 2 * size, false},
		{"put", 2 * size, true},
	} {
		b.Run(bc.name, func(b *testing.B) {
			c := cache.New[benchKey, int](time.Minute, size)
			for i := range min(size, bc.working) {
				c.Put(keys[i], i)
			}
			var (
				next      atomic.Uint64 // spreads the goroutines over the keys
				mu        sync.Mutex
				latencies []time.Duration
			)
			b.ReportAllocs()
			b.SetParallelism(benchParallelism)
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				i := int(next.Add(1)) * 7_919
				var mine []time.Duration
				for n := 0; pb.Next(); n++ {
					i = (i + 1) % bc.working
					var start time.Time
					if n%sampleEvery == 0 {
						start = time.Now()
					}
					if bc.putOnly {
						c.Put(keys[i], i)
					} else if _, ok := c.Get(keys[i]); !ok {
						c.Put(keys[i], i)
					}
					if n%sampleEvery == 0 {
						mine = append(mine, time.Since(start))
					}
				}
				mu.Lock()
				latencies = append(latencies, mine...)
				mu.Unlock()
			})
			b.StopTimer()
			slices.Sort(latencies)
			if n := len(latencies); n > 0 {
				b.ReportMetric(float64(latencies[n*999/1000].Nanoseconds()), "p99.9-ns")
				b.ReportMetric(float64(latencies[n-1].Microseconds()), "max-µs")
			}
		})
	}
}
