package main

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"golang.org/x/crypto/argon2"

	"github.com/tollgate-dev/tollgate/internal/secret"
)

// argonRate measures raw argon2id hashes per second at p on GOMAXPROCS
// goroutines, with nothing else running: the ceiling for the password
// grant, whose every request verifies one hash. Like a scenario it warms
// up first: the process's first hashes fault their 19 MiB in from the
// system and read up to a quarter slower, which flattered the first ratio.
func argonRate(p secret.Params, d time.Duration) float64 {
	hashFor(p, argonWarmup(d))
	began := time.Now()
	n := hashFor(p, d)
	return float64(n) / time.Since(began).Seconds()
}

// argonWarmup is how long argonRate hashes before measuring for d.
func argonWarmup(d time.Duration) time.Duration { return d / 3 }

// hashFor hashes on every core until d has passed and returns the count.
func hashFor(p secret.Params, d time.Duration) int64 {
	var n atomic.Int64
	var wg sync.WaitGroup
	salt := make([]byte, 16)
	deadline := time.Now().Add(d)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				argon2.IDKey([]byte(benchPassword), salt, p.Time, p.Memory, p.Threads, 32)
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return n.Load()
}
