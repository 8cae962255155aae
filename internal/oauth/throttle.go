package oauth

import (
	"strings"
	"sync/atomic"
	"time"

	"github.com/tollgate-dev/tollgate/internal/cache"
)

// Password-guessing limits: failed attempts per username and per client
// address within a window. Past the limit, attempts are refused with the
// same error as a wrong password, without checking, so the limit reveals
// nothing about which users exist.
const (
	throttleWindow     = 5 * time.Minute
	maxFailuresPerUser = 10
	maxFailuresPerAddr = 100
)

type throttle struct {
	failures *cache.TTL[string, *atomic.Int32]
}

func newThrottle() *throttle {
	return &throttle{failures: cache.New[string, *atomic.Int32](throttleWindow, 200_000)}
}

func userKey(tenant, username string) string {
	return "u\x00" + tenant + "\x00" + strings.ToLower(username)
}
func addrKey(addr string) string { return "a\x00" + addr }

func (t *throttle) allow(tenant, username, addr string) bool {
	return t.count(userKey(tenant, username)) < maxFailuresPerUser &&
		(addr == "" || t.count(addrKey(addr)) < maxFailuresPerAddr)
}

func (t *throttle) fail(tenant, username, addr string) {
	t.add(userKey(tenant, username))
	if addr != "" {
		t.add(addrKey(addr))
	}
}

func (t *throttle) count(key string) int32 {
	if n, ok := t.failures.Get(key); ok {
		return n.Load()
	}
	return 0
}

// add counts a failure; the window starts at a key's first failure.
func (t *throttle) add(key string) {
	if n, ok := t.failures.Get(key); ok {
		n.Add(1)
		return
	}
	n := &atomic.Int32{}
	n.Store(1)
	t.failures.Put(key, n)
}
