package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"sync"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Concurrent writes share transactions: a job that fails, or whose caller
// gave up, must not undo or block the others, and each job's own changes
// are all or nothing.
func TestGroupCommit(t *testing.T) {
	ctx := t.Context()
	s, err := Open(ctx, filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateTenant(ctx, &domain.Tenant{ID: "acme"}); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(ctx)
	cancel()

	const n = 200
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			c, cancelMidway := context.WithCancel(ctx)
			defer cancelMidway()
			id := fmt.Sprintf("s%03d", i)
			switch i % 4 {
			case 1:
				id = "dup" // all but one of these conflict
			case 2:
				c = cancelled
			}
			// A two-statement job: the role must never exist without its scope.
			errs[i] = s.write(c, func(tx *tx) error {
				if err := createScope(c, tx, "acme", &domain.Scope{ID: id}); err != nil {
					return err
				}
				if i%4 == 3 {
					// The caller goes away mid-job (a client disconnects):
					// the job still completes and takes no one down with it.
					cancelMidway()
				}
				return createRole(c, tx, "acme", &domain.Role{ID: "r-" + id, Scopes: []string{id}})
			})
		}()
	}
	wg.Wait()

	dups := 0
	for i, err := range errs {
		switch {
		case i%4 == 1 && errors.Is(err, domain.ErrConflict):
			dups++
		case i%4 == 2 && err != nil && !errors.Is(err, context.Canceled):
			t.Errorf("job %d with a cancelled context: %v", i, err)
		case i%4 != 1 && i%4 != 2 && err != nil:
			t.Errorf("job %d: %v", i, err)
		}
	}
	if dups != n/4-1 {
		t.Fatalf("%d duplicate jobs failed, want %d", dups, n/4-1)
	}
	for i := range n {
		if i%4 == 1 || i%4 == 2 {
			continue
		}
		id := fmt.Sprintf("s%03d", i)
		if _, err := s.GetRole(ctx, "acme", "r-"+id); err != nil {
			t.Fatalf("job %d's write lost: %v", i, err)
		}
	}
	// Each conflicting job rolled back its own first statement only.
	if _, err := s.GetRole(ctx, "acme", "r-dup"); err != nil {
		t.Fatalf("the one successful duplicate job: %v", err)
	}

	s.Close()
	if err := s.PutSetting(ctx, "k", "v"); !errors.Is(err, errClosed) {
		t.Fatalf("write after Close: %v", err)
	}
}
