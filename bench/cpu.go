package main

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// The machine is shared, so every figure comes with how much CPU other
// processes took while it was measured: busy time of the whole machine
// (/proc/stat) minus the server's and our own (/proc/PID/stat). A large
// value means the figure is low because of them, not because of Tollgate.

// clockTicks is USER_HZ, 100 on every Linux architecture Go supports.
const clockTicks = 100

type cpuSnap struct {
	at                time.Time
	busy, peer, local float64 // CPU seconds: machine, the measured processes, this process
}

// takeCPU snapshots CPU use. peers are the processes under test (the
// server or floor, and PostgreSQL's postmaster), each with its children.
func takeCPU(peers ...int) cpuSnap {
	s := cpuSnap{at: time.Now(), busy: machineBusy(), local: procCPU("self", false)}
	for _, pid := range peers {
		if pid > 0 {
			s.peer += procTreeCPU(pid)
		}
	}
	return s
}

// procTreeCPU is the CPU of pid, of its children that have exited, and of
// its live children (PostgreSQL's backends).
func procTreeCPU(pid int) float64 {
	cpu := procCPU(strconv.Itoa(pid), true)
	ents, _ := os.ReadDir("/proc")
	want := strconv.Itoa(pid)
	for _, e := range ents {
		if e.Name()[0] < '0' || e.Name()[0] > '9' {
			continue
		}
		if f := statFields(e.Name()); len(f) > 12 && f[1] == want {
			cpu += procCPU(e.Name(), false)
		}
	}
	return cpu
}

// otherCores is the average number of cores other processes used between
// a and b.
func otherCores(a, b cpuSnap) float64 {
	wall := b.at.Sub(a.at).Seconds()
	if wall <= 0 || a.busy == 0 {
		return 0
	}
	other := (b.busy - a.busy) - (b.peer - a.peer) - (b.local - a.local)
	return max(other, 0) / wall
}

func fmtCores(c float64) string { return fmt.Sprintf("%.2f", c) }

// machineBusy sums the non-idle fields of the "cpu" line of /proc/stat.
func machineBusy() float64 {
	b, err := os.ReadFile("/proc/stat")
	if err != nil {
		return 0
	}
	line, _, _ := strings.Cut(string(b), "\n")
	f := strings.Fields(line)
	if len(f) < 9 || f[0] != "cpu" {
		return 0
	}
	var ticks float64
	for i, v := range f[1:9] { // user nice system idle iowait irq softirq steal
		if i == 3 || i == 4 {
			continue // idle, iowait
		}
		n, _ := strconv.ParseFloat(v, 64)
		ticks += n
	}
	return ticks / clockTicks
}

// procCPU is utime+stime of a process (all its threads), in seconds, plus
// cutime+cstime (its reaped children) if children is set.
func procCPU(pid string, children bool) float64 {
	f := statFields(pid)
	if len(f) < 15 {
		return 0
	}
	last := 12 // stime, field 15 of stat(5); f[0] is field 3
	if children {
		last = 14 // cstime
	}
	var ticks float64
	for _, v := range f[11 : last+1] {
		n, _ := strconv.ParseFloat(v, 64)
		ticks += n
	}
	return ticks / clockTicks
}

// statFields returns /proc/PID/stat from field 3 (state) on: the fields
// after the command name, which may contain spaces, in parens.
func statFields(pid string) []string {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return nil
	}
	s := string(b)
	return strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
}

// waitQuiet waits, up to max, for a second in which other processes use
// less than limit cores (BENCH_QUIET=1): on a machine shared with test
// runs this trades run time for figures that describe Tollgate. It returns
// how long it waited.
func waitQuiet(peers []int, limit float64, max time.Duration) time.Duration {
	began := time.Now()
	for time.Since(began) < max {
		a := takeCPU(peers...)
		time.Sleep(time.Second)
		if otherCores(a, takeCPU(peers...)) < limit {
			break
		}
	}
	return time.Since(began) - time.Second
}
