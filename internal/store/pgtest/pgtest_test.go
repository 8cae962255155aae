package pgtest

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
)

func TestMain(m *testing.M) { Main(m) }

func TestNewDatabase(t *testing.T) {
	a, b := NewDatabase(t), NewDatabase(t)
	if a == b {
		t.Fatalf("two databases share a DSN: %s", a)
	}
	ctx := context.Background()
	ca, err := connect(a)
	if err != nil {
		t.Fatal(err)
	}
	defer ca.Close(ctx)
	cb, err := connect(b)
	if err != nil {
		t.Fatal(err)
	}
	defer cb.Close(ctx)
	if _, err := ca.Exec(ctx, `CREATE TABLE only_in_a (x int)`); err != nil {
		t.Fatal(err)
	}
	// The second database must not see the first one's table.
	if _, err := cb.Exec(ctx, `SELECT * FROM only_in_a`); err == nil {
		t.Fatal("table created in one database is visible in another")
	}
}

func TestSkipsWhenDisabled(t *testing.T) {
	t.Setenv(EnvVar, "")
	var inner *testing.T
	t.Run("disabled", func(t *testing.T) {
		inner = t
		NewDatabase(t)
		t.Error("NewDatabase returned without skipping")
	})
	if !inner.Skipped() {
		t.Fatal("NewDatabase did not skip with the variable unset")
	}
}

// TestOutages: a frozen cluster accepts connections but never answers; a
// shut-down one refuses them; each comes back on the same port and data.
func TestOutages(t *testing.T) {
	c := NewCluster(t)
	ping := func() error {
		ctx, cancel := context.WithTimeout(context.Background(), 500*time.Millisecond)
		defer cancel()
		conn, err := pgx.Connect(ctx, c.DSN("postgres"))
		if err != nil {
			return err
		}
		defer conn.Close(context.Background())
		return conn.Ping(ctx)
	}
	if err := ping(); err != nil {
		t.Fatal(err)
	}
	for _, step := range []struct {
		name   string
		do     func() error
		answer bool
	}{
		{"frozen", c.Freeze, false},
		{"thawed", c.Thaw, true},
		{"shut down", c.Shutdown, false},
		{"restarted", c.Restart, true},
	} {
		if err := step.do(); err != nil {
			t.Fatalf("%s: %v", step.name, err)
		}
		err := ping()
		// A cluster that comes back may need a moment on a busy machine
		// (it first works off what queued while it was frozen): an answer
		// is waited for, a refusal is not.
		for deadline := time.Now().Add(10 * time.Second); step.answer && err != nil && time.Now().Before(deadline); {
			time.Sleep(100 * time.Millisecond)
			err = ping()
		}
		if (err == nil) != step.answer {
			t.Fatalf("%s: ping error %v, want an answer: %v", step.name, err, step.answer)
		}
	}
}
