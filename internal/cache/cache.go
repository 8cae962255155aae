// Package cache provides a small bounded in-memory cache with per-entry
// expiry, for records read on every request (clients, tenants) that may
// be a few seconds stale on other nodes.
package cache

import (
	"sync"
	"time"
)

// TTL maps keys to values that expire after a fixed time. When full, it
// drops expired entries, then arbitrary ones, so memory stays bounded even
// under lookups of many distinct keys.
type TTL[K comparable, V any] struct {
	mu      sync.RWMutex
	entries map[K]entry[V]
	ttl     time.Duration
	max     int
	now     func() time.Time
}

type entry[V any] struct {
	value   V
	expires time.Time
}

// New returns a cache holding at most max entries for ttl each.
func New[K comparable, V any](ttl time.Duration, max int) *TTL[K, V] {
	return &TTL[K, V]{entries: make(map[K]entry[V]), ttl: ttl, max: max, now: time.Now}
}

// Get returns the live value for k.
func (c *TTL[K, V]) Get(k K) (V, bool) {
	c.mu.RLock()
	e, ok := c.entries[k]
	c.mu.RUnlock()
	if !ok || c.now().After(e.expires) {
		var zero V
		return zero, false
	}
	return e.value, true
}

// Stale returns the value for k even when it has expired, as long as it
// has not been evicted: a fallback for when the source cannot be read.
func (c *TTL[K, V]) Stale(k K) (V, bool) {
	c.mu.RLock()
	e, ok := c.entries[k]
	c.mu.RUnlock()
	return e.value, ok
}

// Put stores v for k.
func (c *TTL[K, V]) Put(k K, v V) {
	now := c.now()
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.entries) >= c.max {
		c.evict(now)
	}
	c.entries[k] = entry[V]{value: v, expires: now.Add(c.ttl)}
}

// Delete drops k, so the next Get misses.
func (c *TTL[K, V]) Delete(k K) {
	c.mu.Lock()
	delete(c.entries, k)
	c.mu.Unlock()
}

// evict frees room: expired entries first, else a tenth of the cache
// (map iteration order is random, so that is an arbitrary tenth).
func (c *TTL[K, V]) evict(now time.Time) {
	for k, e := range c.entries {
		if now.After(e.expires) {
			delete(c.entries, k)
		}
	}
	for k := range c.entries {
		if len(c.entries) < c.max-c.max/10 {
			return
		}
		delete(c.entries, k)
	}
}
