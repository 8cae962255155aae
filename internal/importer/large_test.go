package importer_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/importer"
	"github.com/tollgate-dev/tollgate/internal/store"
	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
)

// largeRows and heapBudget: a 100,000-row file (about 15 MB) must import
// with the live heap growing by less than heapBudget, which holding the
// file or its users in memory would exceed several times over.
const (
	largeRows  = 100_000
	heapBudget = 24 << 20
)

func writeLargeCSV(t *testing.T) (string, int64) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "users.csv")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	w := bufio.NewWriter(f)
	fmt.Fprintln(w, "username,email,display_name,password_hash,roles")
	for i := range largeRows {
		fmt.Fprintf(w, "user%06d,user%06d@example.com,User Number %06d,%s,reader\n", i, i, i, bcryptHash)
	}
	if err := w.Flush(); err != nil {
		t.Fatal(err)
	}
	fi, _ := f.Stat()
	f.Close()
	return path, fi.Size()
}

// peakHeap samples HeapAlloc while fn runs and returns the highest value
// above the baseline after a GC.
func peakHeap(fn func()) (growth uint64) {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	baseline := ms.HeapAlloc
	var peak atomic.Uint64
	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Go(func() {
		var m runtime.MemStats
		for {
			runtime.ReadMemStats(&m)
			if m.HeapAlloc > peak.Load() {
				peak.Store(m.HeapAlloc)
			}
			select {
			case <-stop:
				return
			case <-time.After(5 * time.Millisecond):
			}
		}
	})
	fn()
	close(stop)
	wg.Wait()
	if peak.Load() < baseline {
		return 0
	}
	return peak.Load() - baseline
}

func TestLargeCSV(t *testing.T) {
	if testing.Short() {
		t.Skip("100,000 rows")
	}
	path, size := writeLargeCSV(t)
	each := forEachStore
	if raceEnabled {
		each = oneStore
	}
	each(t, func(t *testing.T, st store.Store) {
		for round, want := range []string{"created", "skipped"} {
			var rep *importer.Report
			start := time.Now()
			growth := peakHeap(func() {
				f, err := os.Open(path)
				if err != nil {
					t.Fatal(err)
				}
				defer f.Close()
				src, err := importer.NewCSVSource(f)
				if err != nil {
					t.Fatal(err)
				}
				rep, err = newImporter(st, domain.SourceCSV).Import(t.Context(), "acme", src)
				if err != nil {
					t.Fatal(err)
				}
			})
			took := time.Since(start)
			t.Logf("%s: %d rows (%d MB) in %v (%.0f rows/s), peak heap growth %.1f MiB",
				want, largeRows, size>>20, took.Round(time.Millisecond), largeRows/took.Seconds(), float64(growth)/(1<<20))
			got := map[string]int{"created": rep.Created, "skipped": rep.Skipped}[want]
			if got != largeRows || rep.Rows() != largeRows {
				t.Fatalf("round %d: %+v", round, rep)
			}
			if growth > heapBudget {
				t.Errorf("heap grew by %d MiB, budget %d MiB", growth>>20, heapBudget>>20)
			}
		}
	})
}

// oneStore runs f on PostgreSQL when enabled, else on SQLite.
func oneStore(t *testing.T, f func(t *testing.T, st store.Store)) {
	if pgtest.Enabled() {
		t.Run("postgres", func(t *testing.T) { f(t, openStore(t, pgtest.NewDatabase(t))) })
		return
	}
	t.Run("sqlite", func(t *testing.T) { f(t, openStore(t, filepath.Join(t.TempDir(), "t.db"))) })
}
