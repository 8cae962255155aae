package cluster

import (
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"syscall"
	"time"
)

// Process is one tollgate child: started from bin with args, its output
// appended to logPath, ready when readyURL answers 200. Node and Gateway
// embed it for Start, Stop and Kill.
type Process struct {
	bin, logPath, readyURL string
	args, env              []string

	cmd  *exec.Cmd
	done chan error
	log  *os.File
}

// Start runs the process and waits until it is ready, for at most 60 s (a
// race-built binary on a busy machine starts slowly).
func (p *Process) Start() error {
	if p.cmd != nil {
		return errors.New("already running")
	}
	var err error
	if p.log, err = os.OpenFile(p.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600); err != nil {
		return err
	}
	cmd := exec.Command(p.bin, p.args...)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdout, cmd.Stderr = p.log, p.log
	// The child must not outlive a test process that dies.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		p.log.Close()
		return err
	}
	p.cmd, p.done = cmd, make(chan error, 1)
	go func() { p.done <- cmd.Wait() }()
	if err := p.waitReady(60 * time.Second); err != nil {
		_ = p.Kill()
		return fmt.Errorf("%w (log: %s)", err, p.logPath)
	}
	return nil
}

func (p *Process) waitReady(max time.Duration) error {
	c := &http.Client{Timeout: time.Second}
	for deadline := time.Now().Add(max); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		select {
		case err := <-p.done:
			p.done <- err
			return fmt.Errorf("exited before ready: %v", err)
		default:
		}
		if resp, err := c.Get(p.readyURL); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
	}
	return fmt.Errorf("%s not ready within %v", p.readyURL, max)
}

// stopGrace is how long Stop waits after SIGTERM: above the children's
// --shutdown-grace, so a clean drain is never cut short.
const stopGrace = 15 * time.Second

// Stop sends SIGTERM and waits for the exit; past stopGrace it kills. A
// non-zero exit after SIGTERM is returned: a graceful stop should be clean.
func (p *Process) Stop() error {
	if p.cmd == nil {
		return nil
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case err := <-p.done:
		p.reset()
		if err != nil {
			return fmt.Errorf("%w after SIGTERM; the log ends:\n%s", err, logTail(p.logPath, 2048))
		}
		return nil
	case <-time.After(stopGrace):
		_ = p.Kill()
		return fmt.Errorf("did not stop within %v after SIGTERM; killed (log: %s)", stopGrace, p.logPath)
	}
}

// logTail is the last n bytes of the log at path, for an error message.
func logTail(path string, n int64) string {
	f, err := os.Open(path)
	if err != nil {
		return err.Error()
	}
	defer f.Close()
	if fi, err := f.Stat(); err == nil && fi.Size() > n {
		_, _ = f.Seek(-n, io.SeekEnd)
	}
	b, _ := io.ReadAll(f)
	return string(b)
}

// Kill sends SIGKILL and waits for the exit, whose status it ignores.
func (p *Process) Kill() error {
	if p.cmd == nil {
		return nil
	}
	err := p.cmd.Process.Kill()
	<-p.done
	p.reset()
	return err
}

func (p *Process) reset() {
	p.cmd = nil
	p.log.Close()
}

// Running reports whether the process was started and not yet stopped.
func (p *Process) Running() bool { return p.cmd != nil }

// PID of the running process, 0 when it is not running.
func (p *Process) PID() int {
	if p.cmd == nil {
		return 0
	}
	return p.cmd.Process.Pid
}

// twoFreeAddrs returns two loopback addresses whose ports are free now
// (a process's main and gateway listeners), fixed in its command line so
// that a process restarted later comes back where it was.
func twoFreeAddrs() (string, string, error) {
	var out [2]string
	for i := range out {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return "", "", err
		}
		// Both held open until both are picked, so they differ.
		defer l.Close()
		out[i] = "127.0.0.1:" + strconv.Itoa(l.Addr().(*net.TCPAddr).Port)
	}
	return out[0], out[1], nil
}
