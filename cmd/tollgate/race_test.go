//go:build race

package main

// raceEnabled: the race detector slows every request several times, so
// timing limits are checked only without it.
const raceEnabled = true
