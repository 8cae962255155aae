package load

import (
	"math/bits"
	"time"
)

// Histogram records durations in log-linear buckets, like HdrHistogram:
// values below 2^subBits ns are exact and every bucket above is at most
// 1/64 (1.6 %) wide relative to its value. Recording is an index
// computation and an increment, so each worker owns one without locking and
// the histograms are merged once at the end.
type Histogram struct {
	counts [buckets]uint64
	n      uint64
	max    time.Duration
}

const (
	subBits = 7                  // 128 linear sub-buckets per power of two
	half    = 1 << (subBits - 1) // buckets per octave above the linear range
	// Durations up to 2^40 ns (18 min) get their own bucket; longer ones
	// land in the last.
	buckets = (40-subBits+1)*half + 2*half
)

func bucketOf(v uint64) int {
	if v < 1<<subBits {
		return int(v)
	}
	e := bits.Len64(v) - subBits // >= 1
	i := e*half + int(v>>e)
	return min(i, buckets-1)
}

// lowest returns the smallest value that falls in bucket i.
func lowest(i int) uint64 {
	if i < 1<<subBits {
		return uint64(i)
	}
	e := i/half - 1
	return uint64(i-e*half) << e
}

// Record adds one duration; negative durations count as zero.
func (h *Histogram) Record(d time.Duration) {
	h.counts[bucketOf(uint64(max(d, 0)))]++
	h.n++
	h.max = max(h.max, d)
}

// Merge adds o's records to h.
func (h *Histogram) Merge(o *Histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
	h.max = max(h.max, o.max)
}

// Count is the number of recorded durations.
func (h *Histogram) Count() uint64 { return h.n }

// Max is the largest recorded duration, exactly.
func (h *Histogram) Max() time.Duration { return h.max }

// Percentile returns the duration at or below which p percent (0–100) of
// the records fall, as the midpoint of its bucket (never above Max).
func (h *Histogram) Percentile(p float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	// The rank of the record we want, 1-based, rounded up ("nearest rank").
	rank := uint64(p / 100 * float64(h.n))
	if float64(rank) < p/100*float64(h.n) || rank == 0 {
		rank++
	}
	rank = min(rank, h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			lo := lowest(i)
			hi := lo
			if i+1 < buckets {
				hi = lowest(i+1) - 1
			}
			return min(time.Duration(lo+(hi-lo)/2), h.max)
		}
	}
	return h.max
}
