package server

import "testing"

func TestGCSettings(t *testing.T) {
	env := func(vars map[string]string) func(string) string {
		return func(k string) string { return vars[k] }
	}
	const hash = 19 << 20
	for _, tc := range []struct {
		name      string
		vars      map[string]string
		slots     int
		hashBytes int64
		percent   int
		limit     int64
	}{
		{"defaults, 2 slots", nil, 2, hash, 400, 128<<20 + 4*hash},
		{"defaults, 16 slots", nil, 16, hash, 400, 128<<20 + 32*hash},
		{"gateway: no hashes", nil, 2, 0, 400, 128 << 20},
		{"operator's GOGC wins", map[string]string{"GOGC": "100"}, 2, hash, 0, 128<<20 + 4*hash},
		{"operator's GOMEMLIMIT wins", map[string]string{"GOMEMLIMIT": "1GiB"}, 2, hash, 400, 0},
		{"both set", map[string]string{"GOGC": "off", "GOMEMLIMIT": "1GiB"}, 2, hash, 0, 0},
	} {
		percent, limit := gcSettings(env(tc.vars), tc.slots, tc.hashBytes)
		if percent != tc.percent || limit != tc.limit {
			t.Errorf("%s: got GOGC %d, limit %d; want %d, %d", tc.name, percent, limit, tc.percent, tc.limit)
		}
	}
}

func TestMemoryLimitFollowsALargeLiveHeap(t *testing.T) {
	const floor = 204 << 20
	for _, tc := range []struct{ live, want int64 }{
		{4 << 20, floor},       // an idle or token-issuing server
		{63 << 20, floor},      // a login burst: two hashes in flight
		{150 << 20, 300 << 20}, // full caches: as at GOGC=100
	} {
		if got := memoryLimit(floor, tc.live); got != tc.want {
			t.Errorf("live %d MiB: limit %d MiB, want %d MiB", tc.live>>20, got>>20, tc.want>>20)
		}
	}
}
