package main

import (
	"runtime"
	"runtime/debug"
)

// Garbage-collector defaults for the long-running commands.
//
// Go's default (GOGC=100) collects each time the heap has grown by its
// live size. A token server's live heap is small (about 4 MiB) while each
// token request allocates about 14 KiB, so under client_credentials load
// that meant some 60 collections a second and 35–37 % of the benchmark's
// floor; at 400 it is 40–43 %, for 13 MiB more RSS after a minute of load.
//
// A percentage alone would also multiply the password hashes' memory:
// each argon2id run holds --password-hash-memory until the next
// collection, and at 400 a burst of logins grew the server to 470 MiB and
// more. The soft memory limit caps that: a base for everything else plus
// room for the running hashes and as much garbage again. It scales with
// the hashing slots (one per CPU), so a large machine's in-flight hashes
// never come near it, which would make the collector run without pause.
const (
	defaultGCPercent = 400
	gcBaseLimit      = 128 << 20
)

// gcSettings is what applyGCDefaults would set: the percentage unless the
// operator's GOGC is set, the limit unless GOMEMLIMIT is; a zero value
// means the runtime's own setting stays. hashBytes is the memory of one
// password hash, 0 for commands that hash none.
func gcSettings(getenv func(string) string, hashSlots int, hashBytes int64) (percent int, limit int64) {
	if getenv("GOGC") == "" {
		percent = defaultGCPercent
	}
	if getenv("GOMEMLIMIT") == "" {
		limit = gcBaseLimit + 2*int64(hashSlots)*hashBytes
	}
	return percent, limit
}

// applyGCDefaults sets gcSettings for this process.
func applyGCDefaults(getenv func(string) string, hashBytes int64) {
	percent, limit := gcSettings(getenv, runtime.GOMAXPROCS(0), hashBytes)
	if percent != 0 {
		debug.SetGCPercent(percent)
	}
	if limit != 0 {
		debug.SetMemoryLimit(limit)
	}
}
