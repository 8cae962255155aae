package main

import (
	"bufio"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"time"
)

// floorFlag makes the bench binary serve the bare handler instead.
const floorFlag = "-serve-floor"

// serveFloor is the bare net/http handler the figures are compared with:
// it parses a small form POST and answers a small JSON body, as the token
// endpoint does, with nothing else. It prints its address on stdout.
func serveFloor() error {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	fmt.Println(ln.Addr().String())
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil || r.PostForm.Get("grant_type") == "" {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.Write([]byte(`{"ok":true}`))
	})
	return (&http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}).Serve(ln)
}

// floorProcess runs the floor in a separate process, like the server, so
// both compete with the load generator for the cores in the same way.
type floorProcess struct {
	cmd  *exec.Cmd
	addr string
}

func startFloor() (*floorProcess, error) { return startSelf(floorFlag) }

// startSelf re-executes the bench binary with args as a server process that
// prints its address on its first line of output.
func startSelf(args ...string) (*floorProcess, error) {
	self, err := os.Executable()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(self, args...)
	cmd.Stderr = os.Stderr
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	out, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	line, err := bufio.NewReader(out).ReadString('\n')
	if err != nil {
		cmd.Process.Kill()
		cmd.Wait()
		return nil, fmt.Errorf("%s: %w", args[0], err)
	}
	return &floorProcess{cmd: cmd, addr: strings.TrimSpace(line)}, nil
}

func (f *floorProcess) stop() {
	f.cmd.Process.Signal(syscall.SIGTERM)
	f.cmd.Wait()
}
