// Package cache provides a small bounded in-memory cache with per-entry
// expiry, for records read on every request (clients, tenants, verified
// tokens) that may be a few seconds stale on other nodes.
package cache

import (
	"hash/maphash"
	"sync"
	"sync/atomic"
	"time"
)

// Shards spread the locks, so parallel requests on many cores do not all
// wait on one; each shard holds at least minShardSize entries, so a small
// cache stays one map with an exact bound.
const (
	maxShards    = 32
	minShardSize = 64
)

// TTL maps keys to values that expire after a fixed time. It holds at
// most a fixed number of entries: when a shard is full, a Put drops the
// shard's oldest entry, in constant time. All entries live equally long,
// so the oldest is also the first to expire, and expired entries go
// before live ones. Expired entries are kept until then, for Stale.
type TTL[K comparable, V any] struct {
	// version advances on every Delete and Clear (see PutIfUnchanged).
	version atomic.Uint64
	seed    maphash.Seed
	shards  []shard[K, V]
	ttl     time.Duration
	now     func() time.Time
}

type shard[K comparable, V any] struct {
	mu      sync.RWMutex
	entries map[K]entry[K, V]
	// oldest and newest end the list of keys in the order they were put,
	// which is the order they expire in.
	oldest, newest *node[K]
	max            int
	// Keeps each shard's lock on its own cache lines.
	_ [64]byte
}

// entry keeps what Get reads in the map itself: a hit costs one lookup.
type entry[K comparable, V any] struct {
	value   V
	expires time.Time
	n       *node[K]
}

type node[K comparable] struct {
	key          K
	older, newer *node[K]
}

// New returns a cache holding at most max entries for ttl each.
func New[K comparable, V any](ttl time.Duration, max int) *TTL[K, V] {
	n := 1
	for n < maxShards && max/(2*n) >= minShardSize {
		n *= 2
	}
	c := &TTL[K, V]{seed: maphash.MakeSeed(), shards: make([]shard[K, V], n), ttl: ttl, now: time.Now}
	for i := range c.shards {
		s := &c.shards[i]
		s.entries = make(map[K]entry[K, V])
		s.max = max / n
		if i < max%n {
			s.max++
		}
	}
	return c
}

func (c *TTL[K, V]) shardOf(k K) *shard[K, V] {
	if len(c.shards) == 1 {
		return &c.shards[0]
	}
	return &c.shards[maphash.Comparable(c.seed, k)&uint64(len(c.shards)-1)]
}

// Get returns the live value for k.
func (c *TTL[K, V]) Get(k K) (V, bool) {
	v, expires, ok := c.shardOf(k).get(k)
	if !ok || c.now().After(expires) {
		var zero V
		return zero, false
	}
	return v, true
}

// Stale returns the value for k even when it has expired, as long as it
// has not been evicted: a fallback for when the source cannot be read.
func (c *TTL[K, V]) Stale(k K) (V, bool) {
	v, _, ok := c.shardOf(k).get(k)
	return v, ok
}

// Put stores v for k.
func (c *TTL[K, V]) Put(k K, v V) {
	expires := c.now().Add(c.ttl)
	c.shardOf(k).put(k, v, expires)
}

// PutNew stores v for k unless k holds a live value, and reports whether
// it stored: a single-use check (a replay cache) in one step, so two
// concurrent callers with one key cannot both succeed.
func (c *TTL[K, V]) PutNew(k K, v V) bool {
	now := c.now()
	s := c.shardOf(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.entries[k]; ok && !now.After(e.expires) {
		return false
	}
	s.putLocked(k, v, now.Add(c.ttl))
	return true
}

// Version returns the cache's version: a loader reads it before it reads
// the source and hands it to PutIfUnchanged.
func (c *TTL[K, V]) Version() uint64 { return c.version.Load() }

// PutIfUnchanged stores v for k unless a Delete or Clear ran since the
// Version v was read under: a lookup that read the source just before a
// change, and ends just after the change's Delete, must not put back what
// the change made stale.
func (c *TTL[K, V]) PutIfUnchanged(k K, v V, version uint64) {
	s := c.shardOf(k)
	expires := c.now().Add(c.ttl)
	s.mu.Lock()
	defer s.mu.Unlock()
	if c.version.Load() == version {
		s.putLocked(k, v, expires)
	}
}

// Delete drops k, so the next Get misses.
func (c *TTL[K, V]) Delete(k K) {
	c.version.Add(1)
	s := c.shardOf(k)
	s.mu.Lock()
	defer s.mu.Unlock()
	if e, ok := s.entries[k]; ok {
		s.unlink(e.n)
		delete(s.entries, k)
	}
}

// Clear drops every entry, so every next Get misses: for a change that
// may touch any of them (a role held by unknown users).
func (c *TTL[K, V]) Clear() {
	c.version.Add(1)
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.Lock()
		clear(s.entries)
		s.oldest, s.newest = nil, nil
		s.mu.Unlock()
	}
}

func (s *shard[K, V]) get(k K) (v V, expires time.Time, ok bool) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	e, ok := s.entries[k]
	return e.value, e.expires, ok
}

func (s *shard[K, V]) put(k K, v V, expires time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.putLocked(k, v, expires)
}

func (s *shard[K, V]) putLocked(k K, v V, expires time.Time) {
	e, ok := s.entries[k]
	switch {
	case ok:
		s.unlink(e.n)
	case len(s.entries) >= s.max && s.oldest != nil:
		// Full: the oldest entry goes, and its node serves the new one,
		// so a full cache allocates nothing.
		e.n = s.oldest
		s.unlink(e.n)
		delete(s.entries, e.n.key)
		e.n.key = k
	default:
		e.n = &node[K]{key: k}
	}
	e.value, e.expires = v, expires
	s.entries[k] = e
	s.append(e.n)
}

// append makes n the newest entry.
func (s *shard[K, V]) append(n *node[K]) {
	n.older, n.newer = s.newest, nil
	if s.newest != nil {
		s.newest.newer = n
	} else {
		s.oldest = n
	}
	s.newest = n
}

func (s *shard[K, V]) unlink(n *node[K]) {
	if n.older != nil {
		n.older.newer = n.newer
	} else {
		s.oldest = n.newer
	}
	if n.newer != nil {
		n.newer.older = n.older
	} else {
		s.newest = n.older
	}
	n.older, n.newer = nil, nil
}
