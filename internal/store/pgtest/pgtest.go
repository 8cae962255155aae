// Package pgtest runs a throwaway PostgreSQL cluster for tests. When
// TOLLGATE_TEST_POSTGRES=1, the first NewDatabase starts one cluster per test
// process (initdb into a temp dir, fsync off, loopback only) and every call
// creates a fresh database, dropped when the test ends. Main stops the
// cluster after the tests. Without the variable, NewDatabase skips.
package pgtest

import (
	"context"
	"fmt"
	"os"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

// EnvVar enables PostgreSQL tests.
const EnvVar = "TOLLGATE_TEST_POSTGRES"

var (
	startOnce sync.Once
	cl        *cluster
	startErr  error
	dbSeq     atomic.Int64

	adminMu sync.Mutex
	admin   *pgx.Conn // to the "postgres" database, for CREATE/DROP DATABASE
)

// Enabled reports whether PostgreSQL tests were asked for.
func Enabled() bool { return os.Getenv(EnvVar) == "1" }

// Main runs the tests and then stops the cluster, if one was started. Use it
// as TestMain: func TestMain(m *testing.M) { pgtest.Main(m) }.
func Main(m *testing.M) {
	code := m.Run()
	if err := stop(); err != nil {
		fmt.Fprintln(os.Stderr, "pgtest:", err)
		if code == 0 {
			code = 1
		}
	}
	os.Exit(code)
}

// NewDatabase creates an empty database on the test cluster and returns its
// DSN; the database is dropped in t.Cleanup. It skips the test unless
// TOLLGATE_TEST_POSTGRES=1.
func NewDatabase(t testing.TB) string {
	t.Helper()
	if !Enabled() {
		t.Skipf("PostgreSQL tests disabled: set %s=1 (needs initdb and postgres on PATH or under /usr/lib/postgresql/*/bin)", EnvVar)
	}
	startOnce.Do(func() {
		began := time.Now()
		defer func() {
			if testing.Verbose() && startErr == nil {
				fmt.Fprintf(os.Stderr, "pgtest: PostgreSQL on 127.0.0.1:%d ready in %v\n", cl.port, time.Since(began).Round(time.Millisecond))
			}
		}()
		cl, startErr = start()
		if startErr == nil {
			admin, startErr = connect(cl.dsn("postgres"))
		}
	})
	if startErr != nil {
		t.Fatalf("pgtest: %v", startErr)
	}
	name := fmt.Sprintf("t%d_%d", os.Getpid(), dbSeq.Add(1))
	if err := adminExec(`CREATE DATABASE ` + name); err != nil {
		t.Fatalf("pgtest: create database: %v", err)
	}
	t.Cleanup(func() {
		// FORCE ends sessions a test left open (PostgreSQL 13+).
		if err := adminExec(`DROP DATABASE IF EXISTS ` + name + ` WITH (FORCE)`); err != nil {
			t.Errorf("pgtest: drop database: %v", err)
		}
	})
	return cl.dsn(name)
}

func adminExec(sql string) error {
	adminMu.Lock()
	defer adminMu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	_, err := admin.Exec(ctx, sql)
	return err
}

// connect retries until the server accepts connections or 10 s pass.
func connect(dsn string) (*pgx.Conn, error) {
	deadline := time.Now().Add(10 * time.Second)
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		c, err := pgx.Connect(ctx, dsn)
		cancel()
		if err == nil {
			return c, nil
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("postgres did not accept connections: %w", err)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func stop() error {
	if cl == nil {
		return nil
	}
	if admin != nil {
		admin.Close(context.Background())
	}
	return cl.stop()
}
