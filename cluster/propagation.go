package cluster

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/tollgate-dev/tollgate/bench/load"
)

// Targets are where a change made on node 1 must take effect, in the
// order of a sample's probes.
var Targets = []string{"node2", "node3", "gateway"}

const (
	// pollEvery is the probes' interval: the figures' resolution.
	pollEvery = 5 * time.Millisecond
	// settleWithin bounds every wait: a change not in effect by then (a
	// cache entry put back stale keeps its TTL, 5 s) fails the run.
	settleWithin = 10 * time.Second
)

// probe reports whether a change is in effect on one target.
type probe func() (bool, error)

// sample is one change of a kind, ready to be made.
type sample struct {
	// probes, one per target; nil where the change has no effect to see.
	probes [3]probe
	change func() error
	undo   func() error // nil: nothing to undo, the next sample is fresh
}

// Figures are one change kind's measured propagation times, from the
// moment the change is sent to node 1 until its probe first sees it.
type Figures struct {
	Kind    string
	Samples int
	// Everywhere is the time until in effect on every target with an
	// effect to see; Target[i] is on Targets[i] alone.
	Everywhere load.Histogram
	Target     [3]load.Histogram
	// Unseen names targets where the kind has no observable effect.
	Unseen []string
}

// MeasurePropagation makes samples changes of every kind on node 1 and
// times each on every target.
func (c *Cluster) MeasurePropagation(samples int) ([]*Figures, error) {
	var out []*Figures
	for _, k := range c.changeKinds() {
		f := &Figures{Kind: k.name}
		for i := range samples {
			if err := c.measureOne(k, i, f); err != nil {
				return out, fmt.Errorf("%s, sample %d: %w", k.name, i, err)
			}
		}
		out = append(out, f)
	}
	return out, nil
}

func (c *Cluster) measureOne(k changeKind, i int, f *Figures) error {
	s, err := k.sample(i)
	if err != nil {
		return fmt.Errorf("prepare: %w", err)
	}
	// Waiting until no target sees the change yet also waits out the
	// last sample's undo and puts what the change acts on in the
	// targets' caches, so the change has a cache entry to overturn.
	for t, p := range s.probes {
		if p == nil {
			if !slices.Contains(f.Unseen, Targets[t]) {
				f.Unseen = append(f.Unseen, Targets[t])
			}
			continue
		}
		if _, err := waitFor(func() (bool, error) { on, err := p(); return !on, err }); err != nil {
			return fmt.Errorf("before the change, on %s: %w", Targets[t], err)
		}
	}
	var (
		wg    sync.WaitGroup
		took  [3]time.Duration
		errs  [3]error
		start = time.Now()
	)
	for t, p := range s.probes {
		if p != nil {
			wg.Go(func() { _, errs[t] = waitFor(p); took[t] = time.Since(start) })
		}
	}
	cerr := s.change()
	wg.Wait()
	if err := errors.Join(append([]error{cerr}, errs[:]...)...); err != nil {
		return err
	}
	var all time.Duration
	for t, p := range s.probes {
		if p != nil {
			f.Target[t].Record(took[t])
			all = max(all, took[t])
		}
	}
	f.Everywhere.Record(all)
	f.Samples++
	if s.undo != nil {
		return s.undo()
	}
	return nil
}

// waitFor polls p every pollEvery until it holds, for at most
// settleWithin, and returns how long that took.
func waitFor(p probe) (time.Duration, error) {
	start := time.Now()
	for {
		ok, err := p()
		if err != nil || ok {
			return time.Since(start), err
		}
		if time.Since(start) > settleWithin {
			return 0, fmt.Errorf("not in effect after %v", settleWithin)
		}
		time.Sleep(pollEvery)
	}
}
