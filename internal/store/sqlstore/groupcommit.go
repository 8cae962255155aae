package sqlstore

import (
	"context"
	"errors"
	"sync"
)

// On SQLite every write goes through one connection anyway, so the writer
// takes all transactions waiting at that moment and runs them as one:
// each in its own SAVEPOINT, so each stays atomic on its own, and one
// COMMIT for the lot. Under load (refresh rotations from many sessions) the
// commit and its WAL writes, a third of a rotation's CPU, are shared; when
// idle a batch is one job and nothing waits.
const maxGroup = 64

// errClosed answers writes queued after, or still queued at, Close.
var errClosed = errors.New("sqlstore: store closed")

type writeJob struct {
	ctx  context.Context
	fn   func(*tx) error
	done chan error
}

type groupCommitter struct {
	s     *Store
	jobs  chan *writeJob
	quit  chan struct{}
	wg    sync.WaitGroup
	close sync.Once
}

func newGroupCommitter(s *Store) *groupCommitter {
	g := &groupCommitter{s: s, jobs: make(chan *writeJob), quit: make(chan struct{})}
	g.wg.Add(1)
	go g.loop()
	return g
}

// do queues fn and waits for its outcome. Once dequeued a job runs to the
// end regardless of ctx (its tx is shared, see tx.ctx): interrupting a
// statement would make SQLite roll back the whole shared transaction.
func (g *groupCommitter) do(ctx context.Context, fn func(*tx) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	j := &writeJob{ctx: context.WithoutCancel(ctx), fn: fn, done: make(chan error, 1)}
	select {
	case g.jobs <- j:
	case <-ctx.Done():
		return ctx.Err()
	case <-g.quit:
		return errClosed
	}
	return <-j.done
}

func (g *groupCommitter) stop() {
	g.close.Do(func() {
		close(g.quit)
		g.wg.Wait()
	})
}

func (g *groupCommitter) loop() {
	defer g.wg.Done()
	for {
		var first *writeJob
		select {
		case first = <-g.jobs:
		case <-g.quit:
			return
		}
		batch := []*writeJob{first}
	drain:
		for len(batch) < maxGroup {
			select {
			case j := <-g.jobs:
				batch = append(batch, j)
			default:
				break drain
			}
		}
		g.run(batch)
	}
}

// run executes a batch in one transaction and answers every job.
func (g *groupCommitter) run(batch []*writeJob) {
	s := g.s
	results := make([]error, len(batch))
	t, err := s.w.BeginTx(context.Background(), nil)
	if err == nil {
		err = func() error {
			defer s.ws.preparePending(context.Background())
			for i, j := range batch {
				results[i], err = runSavepoint(j, &tx{q: t, sqlTx: t, cache: s.ws, d: s.d, shared: true})
				if err != nil {
					return err // the transaction itself is broken
				}
			}
			return t.Commit()
		}()
		if err != nil {
			t.Rollback()
		}
	}
	for i, j := range batch {
		if err != nil {
			j.done <- mapErr(err)
		} else {
			j.done <- results[i]
		}
	}
}

// runSavepoint runs one job inside the shared transaction. Its own error
// undoes only its changes (a commitErr keeps them, as write promises);
// brokenErr reports that the shared transaction is unusable.
func runSavepoint(j *writeJob, t *tx) (result, brokenErr error) {
	ctx := j.ctx
	if _, err := t.q.ExecContext(ctx, "SAVEPOINT job"); err != nil {
		return nil, err
	}
	err := j.fn(t)
	var ce commitErr
	if err != nil && !errors.As(err, &ce) {
		if _, rerr := t.q.ExecContext(ctx, "ROLLBACK TO job"); rerr != nil {
			return nil, rerr
		}
		result = mapErr(err)
	} else if err != nil {
		result = ce.err
	}
	if _, err := t.q.ExecContext(ctx, "RELEASE job"); err != nil {
		return nil, err
	}
	return result, nil
}
