package server

import (
	"context"
	"runtime/debug"
	"runtime/metrics"
	"time"

	"github.com/tollgate-dev/tollgate/internal/every"
	"github.com/tollgate-dev/tollgate/internal/secret"
)

// Garbage-collector defaults for the long-running commands.
//
// Go's default (GOGC=100) collects each time the heap has grown by its
// live size. A token server's live heap is small (about 4 MiB) while each
// token request allocates about 14 KiB, so under client_credentials load
// that meant some 60 collections a second: 35–37 % of the benchmark's
// floor, against 40–43 % at GOGC=400, for 13 MiB more RSS after a minute
// of load.
//
// A percentage alone would also multiply the password hashes' memory:
// each argon2id run holds --password-hash-memory until the next
// collection, and at 400 a burst of logins grew the server to 470 MiB and
// more. A soft memory limit caps that: a floor for everything else plus
// room for the running hashes and as much garbage again, scaled with the
// hashing slots so a large machine's hashes never come near it. Caches
// that fill up (up to 100,000 entries each) could; so the limit follows
// the live heap, never under twice its size, which keeps collections
// about as rare as at Go's default however big the heap grows.
const (
	defaultGCPercent = 400
	gcLimitFloor     = 128 << 20
	// followHeapEvery is how often the limit is re-read from the live heap.
	followHeapEvery = time.Second
)

// gcSettings is what gcJobs sets: the percentage unless the
// operator's GOGC is set, the memory limit's floor unless GOMEMLIMIT is; a
// zero means the runtime's own setting stays. hashBytes is the memory of
// one password hash, 0 for commands that hash none.
func gcSettings(getenv func(string) string, hashSlots int, hashBytes int64) (percent int, limitFloor int64) {
	if getenv("GOGC") == "" {
		percent = defaultGCPercent
	}
	if getenv("GOMEMLIMIT") == "" {
		limitFloor = gcLimitFloor + 2*int64(hashSlots)*hashBytes
	}
	return percent, limitFloor
}

// memoryLimit is the soft limit for a live heap of live bytes.
func memoryLimit(floor, live int64) int64 { return max(floor, 2*live) }

// gcJobs applies gcSettings to this process and returns the job that,
// when the limit was set here, keeps it at memoryLimit of the live heap
// while the server runs (none when the operator set GOMEMLIMIT).
func gcJobs(getenv func(string) string, hashBytes int64) []job {
	percent, floor := gcSettings(getenv, secret.DefaultSlots(), hashBytes)
	if percent != 0 {
		debug.SetGCPercent(percent)
	}
	if floor == 0 {
		return nil
	}
	debug.SetMemoryLimit(floor)
	live := []metrics.Sample{{Name: "/gc/heap/live:bytes"}}
	return []job{{"heap limit", func(ctx context.Context) {
		every.Run(ctx, followHeapEvery, func(context.Context) {
			metrics.Read(live)
			debug.SetMemoryLimit(memoryLimit(floor, int64(live[0].Value.Uint64())))
		})
	}}}
}
