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
// grant, whose every request verifies one hash.
func argonRate(p secret.Params, d time.Duration) float64 {
	var n atomic.Int64
	var wg sync.WaitGroup
	salt := make([]byte, 16)
	began := time.Now()
	deadline := began.Add(d)
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for time.Now().Before(deadline) {
				argon2.IDKey([]byte(benchPassword), salt, p.Time, p.Memory, p.Threads, 32)
				n.Add(1)
			}
		})
	}
	wg.Wait()
	return float64(n.Load()) / time.Since(began).Seconds()
}
