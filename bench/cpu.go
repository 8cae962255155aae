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
	busy, peer, local float64 // CPU seconds: machine, server (or floor), this process
}

func takeCPU(peerPID int) cpuSnap {
	return cpuSnap{at: time.Now(), busy: machineBusy(), peer: procCPU(strconv.Itoa(peerPID)), local: procCPU("self")}
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

// procCPU is utime+stime of a process (all its threads), in seconds.
func procCPU(pid string) float64 {
	b, err := os.ReadFile("/proc/" + pid + "/stat")
	if err != nil {
		return 0
	}
	// Fields after the command name, which may contain spaces, in parens.
	s := string(b)
	f := strings.Fields(s[strings.LastIndexByte(s, ')')+1:])
	if len(f) < 13 {
		return 0
	}
	u, _ := strconv.ParseFloat(f[11], 64) // field 14 of stat(5)
	k, _ := strconv.ParseFloat(f[12], 64) // field 15
	return (u + k) / clockTicks
}

// waitQuiet waits, up to max, for a second in which other processes use
// less than limit cores (BENCH_QUIET=1): on a machine shared with test
// runs this trades run time for figures that describe Tollgate. It returns
// how long it waited.
func waitQuiet(peerPID int, limit float64, max time.Duration) time.Duration {
	began := time.Now()
	for time.Since(began) < max {
		a := takeCPU(peerPID)
		time.Sleep(time.Second)
		if otherCores(a, takeCPU(peerPID)) < limit {
			break
		}
	}
	return time.Since(began) - time.Second
}
