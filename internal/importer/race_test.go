//go:build race

package importer_test

// raceEnabled: the race detector slows the pure-Go SQLite driver about
// tenfold, so the 100,000-row test runs on one store only.
const raceEnabled = true
