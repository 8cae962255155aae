package cache

import (
	"testing"
	"time"
)

func TestTTL(t *testing.T) {
	now := time.Unix(1000, 0)
	c := New[string, int](time.Second, 10)
	c.now = func() time.Time { return now }

	c.Put("a", 1)
	if v, ok := c.Get("a"); !ok || v != 1 {
		t.Fatalf("fresh entry: got %v %v", v, ok)
	}
	now = now.Add(2 * time.Second)
	if _, ok := c.Get("a"); ok {
		t.Fatal("expired entry still returned")
	}
	if v, ok := c.Stale("a"); !ok || v != 1 {
		t.Fatalf("expired entry as a fallback: got %v %v", v, ok)
	}
	c.Put("b", 2)
	c.Delete("b")
	if _, ok := c.Get("b"); ok {
		t.Fatal("deleted entry still returned")
	}
}

func TestTTLBounded(t *testing.T) {
	c := New[int, int](time.Hour, 100)
	for i := range 10_000 {
		c.Put(i, i)
	}
	if n := len(c.entries); n > 100 {
		t.Fatalf("cache grew to %d entries, limit 100", n)
	}
	if v, ok := c.Get(9_999); !ok || v != 9_999 {
		t.Fatal("most recent entry missing after eviction")
	}
}
