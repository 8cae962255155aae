package pgtest

import (
	"context"
	"testing"
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
