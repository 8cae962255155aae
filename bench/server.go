package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"time"

	"github.com/tollgate-dev/tollgate/internal/secret"
)

// server is one `tollgate serve` child process.
type server struct {
	bin, dataDir, database, boot string
	addr                         string // host:port
	gatewayAddr                  string // host:port of --gateway-addr
	debugAddr                    string // --debug-addr, when profiling
	cmd                          *exec.Cmd
	done                         chan error
	log                          *os.File
}

func (s *server) base() string { return "http://" + s.addr }

// start launches the server and waits for /readyz; it returns the time from
// exec to the first ready answer, which is what an operator waits for.
func (s *server) start(ctx context.Context) (time.Duration, error) {
	if s.addr == "" {
		port, err := freePort()
		if err != nil {
			return 0, err
		}
		s.addr = "127.0.0.1:" + strconv.Itoa(port)
	}
	args := []string{"serve", "--addr", s.addr, "--data-dir", s.dataDir,
		"--log-format", "json", "--log-level", "warn", "--shutdown-grace", "5s",
		// The cost argonRate measures, whatever the defaults become.
		"--password-hash-memory", strconv.Itoa(int(secret.DefaultParams.Memory)),
		"--password-hash-iterations", strconv.Itoa(int(secret.DefaultParams.Time))}
	if s.database != "" {
		args = append(args, "--database", s.database)
	}
	if s.debugAddr != "" {
		args = append(args, "--debug-addr", s.debugAddr)
	}
	// The gateway listener must not collide with another server on this
	// host; pick a free port once and keep it across restarts.
	if s.gatewayAddr == "" {
		gp, err := freePort()
		if err != nil {
			return 0, err
		}
		s.gatewayAddr = "127.0.0.1:" + strconv.Itoa(gp)
	}
	args = append(args, "--gateway-addr", s.gatewayAddr)
	var err error
	if s.log, err = os.OpenFile(filepath.Join(s.dataDir, "..", filepath.Base(s.dataDir)+".log"),
		os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err != nil {
		return 0, err
	}
	s.cmd = exec.Command(s.bin, args...)
	s.cmd.Env = append(os.Environ(), "TOLLGATE_BOOTSTRAP_TOKEN="+s.boot)
	s.cmd.Stdout, s.cmd.Stderr = s.log, s.log
	// The server must not outlive the benchmark if it is killed.
	s.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	began := time.Now()
	if err := s.cmd.Start(); err != nil {
		return 0, err
	}
	s.done = make(chan error, 1)
	go func() { s.done <- s.cmd.Wait() }()
	if err := waitReady(ctx, s.base()+"/readyz", s.done, 30*time.Second); err != nil {
		s.stop()
		return 0, fmt.Errorf("tollgate: %w (log: %s)", err, s.log.Name())
	}
	return time.Since(began), nil
}

// stop sends SIGTERM and waits for a graceful exit.
func (s *server) stop() error {
	if s.cmd == nil || s.cmd.Process == nil {
		return nil
	}
	defer func() { s.cmd = nil; s.log.Close() }()
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-s.done:
		return err
	case <-time.After(10 * time.Second):
		s.cmd.Process.Kill()
		<-s.done
		return errors.New("tollgate did not stop within 10 s; killed")
	}
}

func (s *server) pid() int { return s.cmd.Process.Pid }

// waitReady polls url every 2 ms (fine-grained, since start-up time is a
// reported figure) until it answers 200, the process exits, or max passes.
func waitReady(ctx context.Context, url string, exited chan error, max time.Duration) error {
	c := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(max)
	for time.Now().Before(deadline) {
		select {
		case err := <-exited:
			exited <- err
			return fmt.Errorf("exited before ready: %v", err)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		if resp, err := c.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(2 * time.Millisecond)
	}
	return fmt.Errorf("%s not ready within %v", url, max)
}

// rssMiB reads a memory figure (VmRSS, VmHWM) of pid from /proc, in MiB.
func rssMiB(pid int, field string) float64 {
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return 0
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if rest, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			kb, _ := strconv.ParseFloat(strings.TrimSuffix(strings.TrimSpace(rest), " kB"), 64)
			return kb / 1024
		}
	}
	return 0
}

// peakRSS samples VmRSS every 20 ms until stop is closed and returns the
// highest value. Sampling rather than VmHWM isolates one phase of the run.
func peakRSS(pid int, stop <-chan struct{}) <-chan float64 {
	out := make(chan float64, 1)
	go func() {
		var peak float64
		t := time.NewTicker(20 * time.Millisecond)
		defer t.Stop()
		for {
			peak = max(peak, rssMiB(pid, "VmRSS"))
			select {
			case <-stop:
				out <- peak
				return
			case <-t.C:
			}
		}
	}()
	return out
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
