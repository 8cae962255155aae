package pgtest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"sort"
	"strconv"
	"syscall"
	"time"
)

// cluster is one postgres with its data in dir; cmd is nil while it is
// shut down.
type cluster struct {
	dir  string
	port int
	bin  string
	cred *syscall.Credential
	cmd  *exec.Cmd
	log  *os.File
	done chan error
}

func (c *cluster) dsn(db string) string {
	return fmt.Sprintf("postgres://postgres@127.0.0.1:%d/%s?sslmode=disable", c.port, db)
}

// start runs initdb and postgres. As root it runs them as the postgres user
// (or nobody), because both refuse to run as root.
func start() (*cluster, error) {
	bin, err := findBinDir()
	if err != nil {
		return nil, err
	}
	cred, uid, gid, err := credential()
	if err != nil {
		return nil, err
	}
	dir, err := os.MkdirTemp("", "tollgate-pgtest-")
	if err != nil {
		return nil, err
	}
	c := &cluster{dir: dir, bin: bin, cred: cred}
	fail := func(err error) (*cluster, error) {
		os.RemoveAll(dir)
		return nil, err
	}
	sock := filepath.Join(dir, "sock")
	if err := os.Mkdir(sock, 0o700); err != nil {
		return fail(err)
	}
	if cred != nil {
		for _, p := range []string{dir, sock} {
			if err := os.Chown(p, uid, gid); err != nil {
				return fail(err)
			}
		}
	}
	data := filepath.Join(dir, "data")
	initdb := exec.Command(filepath.Join(bin, "initdb"), "-D", data, "-U", "postgres", "-A", "trust",
		"-E", "UTF8", "--locale=C", "--no-sync", "--no-instructions")
	initdb.SysProcAttr = &syscall.SysProcAttr{Credential: cred}
	if out, err := initdb.CombinedOutput(); err != nil {
		return fail(fmt.Errorf("initdb: %v\n%s", err, out))
	}
	if c.port, err = freePort(); err != nil {
		return fail(err)
	}
	if c.log, err = os.Create(filepath.Join(dir, "postgres.log")); err != nil {
		return fail(err)
	}
	if err := c.run(); err != nil {
		c.log.Close()
		return fail(err)
	}
	return c, nil
}

// run starts postgres on the cluster's data and port and waits until it
// listens.
func (c *cluster) run() error {
	c.cmd = exec.Command(filepath.Join(c.bin, "postgres"), "-D", filepath.Join(c.dir, "data"), "-p", strconv.Itoa(c.port),
		"-h", "127.0.0.1", "-k", filepath.Join(c.dir, "sock"),
		// Durability is worthless for a throwaway cluster; speed is not.
		"-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off",
		"-c", "max_connections=200", "-c", "shared_buffers=32MB")
	c.cmd.Stdout, c.cmd.Stderr = c.log, c.log
	// Pdeathsig stops postgres if the test binary dies without running
	// Main.
	c.cmd.SysProcAttr = &syscall.SysProcAttr{Credential: c.cred, Pdeathsig: syscall.SIGKILL, Setpgid: true}
	if err := c.cmd.Start(); err != nil {
		c.cmd = nil
		return fmt.Errorf("start postgres: %w", err)
	}
	c.done = make(chan error, 1)
	go func(cmd *exec.Cmd, done chan<- error) { done <- cmd.Wait() }(c.cmd, c.done)
	if err := c.waitReady(); err != nil {
		c.shutdown()
		return err
	}
	// Listening is not yet accepting sessions ("starting up").
	conn, err := connect(c.dsn("postgres"))
	if err != nil {
		c.shutdown()
		return err
	}
	return conn.Close(context.Background())
}

// waitReady waits for the TCP port to accept connections.
func (c *cluster) waitReady() error {
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-c.done:
			c.done <- err
			return fmt.Errorf("postgres exited: %v\n%s", err, c.logTail())
		default:
		}
		conn, err := net.DialTimeout("tcp", fmt.Sprintf("127.0.0.1:%d", c.port), time.Second)
		if err == nil {
			conn.Close()
			return nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	return fmt.Errorf("postgres did not listen within 10s\n%s", c.logTail())
}

func (c *cluster) logTail() string {
	b, _ := os.ReadFile(c.log.Name())
	if len(b) > 2000 {
		b = b[len(b)-2000:]
	}
	return string(b)
}

// stop shuts postgres down and removes the data directory.
func (c *cluster) stop() error {
	err := c.shutdown()
	if c.log != nil {
		c.log.Close()
	}
	return errors.Join(err, os.RemoveAll(c.dir))
}

// shutdown asks for a fast shutdown (SIGINT), first waking a frozen
// cluster, and kills after 5 s. The data stays.
func (c *cluster) shutdown() error {
	if c.cmd == nil {
		return nil
	}
	defer func() { c.cmd = nil }()
	c.signal(syscall.SIGCONT)
	c.cmd.Process.Signal(syscall.SIGINT)
	select {
	case <-c.done:
		return nil
	case <-time.After(5 * time.Second):
		c.cmd.Process.Kill()
		<-c.done
		return errors.New("postgres did not stop in 5s; killed")
	}
}

// signal sends sig to postgres and to its children, the backends and
// background workers. They are not in its process group: each child
// calls setsid. The postmaster goes first, so no child appears unseen.
func (c *cluster) signal(sig syscall.Signal) error {
	if c.cmd == nil {
		return errors.New("postgres is not running")
	}
	pid := c.cmd.Process.Pid
	if err := syscall.Kill(pid, sig); err != nil {
		return err
	}
	kids, err := children(pid)
	for _, k := range kids {
		if kerr := syscall.Kill(k, sig); kerr != nil && !errors.Is(kerr, syscall.ESRCH) {
			err = errors.Join(err, kerr) // ESRCH: it ended meanwhile
		}
	}
	return err
}

// children lists the processes whose parent is pid, from /proc.
func children(pid int) ([]int, error) {
	stats, err := filepath.Glob("/proc/[0-9]*/stat")
	if err != nil {
		return nil, err
	}
	var out []int
	for _, f := range stats {
		b, err := os.ReadFile(f)
		if err != nil {
			continue // the process ended meanwhile
		}
		// "pid (comm) state ppid …"; comm may hold spaces and parentheses.
		rest := b[bytes.LastIndexByte(b, ')')+1:]
		var state string
		var ppid int
		if _, err := fmt.Sscan(string(rest), &state, &ppid); err == nil && ppid == pid {
			n, _ := strconv.Atoi(filepath.Base(filepath.Dir(f)))
			out = append(out, n)
		}
	}
	return out, nil
}

// findBinDir returns the directory holding initdb and postgres: PATH first,
// else the newest /usr/lib/postgresql/<version>/bin (Debian's layout).
func findBinDir() (string, error) {
	if p, err := exec.LookPath("initdb"); err == nil {
		dir := filepath.Dir(p)
		if _, err := os.Stat(filepath.Join(dir, "postgres")); err == nil {
			return dir, nil
		}
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	sort.Slice(dirs, func(i, j int) bool { return version(dirs[i]) > version(dirs[j]) })
	for _, d := range dirs {
		if _, err := os.Stat(filepath.Join(d, "initdb")); err == nil {
			return d, nil
		}
	}
	return "", errors.New("PostgreSQL binaries not found: need initdb and postgres on PATH or under /usr/lib/postgresql/*/bin (Debian: apt-get install postgresql)")
}

// version reads the major version from /usr/lib/postgresql/<v>/bin.
func version(binDir string) float64 {
	v, _ := strconv.ParseFloat(filepath.Base(filepath.Dir(binDir)), 64)
	return v
}

// credential picks the user to run postgres as: nil (ourselves) unless we
// are root.
func credential() (*syscall.Credential, int, int, error) {
	if os.Geteuid() != 0 {
		return nil, 0, 0, nil
	}
	var u *user.User
	var err error
	for _, name := range []string{"postgres", "nobody"} {
		if u, err = user.Lookup(name); err == nil {
			break
		}
	}
	if err != nil {
		return nil, 0, 0, fmt.Errorf("running as root and neither user postgres nor nobody exists: %w", err)
	}
	uid, _ := strconv.Atoi(u.Uid)
	gid, _ := strconv.Atoi(u.Gid)
	return &syscall.Credential{Uid: uint32(uid), Gid: uint32(gid)}, uid, gid, nil
}

func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, err
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}
