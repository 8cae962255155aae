package sqlstore_test

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
)

// TestPostgresOutage: with the server frozen (SIGSTOP: connections stay
// open, nothing answers) or shut down, reads, transactions, single
// statements and pings answer domain.ErrUnavailable within the store's
// deadline instead of hanging, no pool connection stays taken, and all
// work again once the server is back, without reopening the store.
func TestPostgresOutage(t *testing.T) {
	c := pgtest.NewCluster(t)
	const timeout = 300 * time.Millisecond
	s, err := sqlstore.Open(t.Context(), c.DSN("postgres"), sqlstore.WithTimeout(timeout))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.CreateTenant(ctx, &domain.Tenant{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	calls := []struct {
		name string
		call func() error
	}{
		{"read", func() error { _, err := s.GetTenant(ctx, "acme"); return err }},
		{"list", func() error { _, err := s.ListTenants(ctx, domain.Page{}); return err }},
		{"transaction", func() error { return s.PutSetting(ctx, "k", "v") }},
		{"statement", func() error {
			return s.CreateRefreshToken(ctx, "acme", &domain.RefreshToken{Hash: []byte(rand.Text()), FamilyID: "f",
				ClientID: "c", Subject: "u", ExpiresAt: time.Now().Add(time.Hour)})
		}},
		{"ping", func() error { return s.Ping(ctx) }},
	}
	for _, outage := range c.Outages() {
		t.Run(outage.Name, func(t *testing.T) {
			if err := outage.Down(); err != nil {
				t.Fatal(err)
			}
			for _, tc := range calls {
				began := time.Now()
				err := tc.call()
				took := time.Since(began)
				if !errors.Is(err, domain.ErrUnavailable) {
					t.Errorf("%s: %v, want ErrUnavailable", tc.name, err)
				}
				// A refused connection fails at once; a frozen server
				// takes the deadline (a statement on a pooled connection
				// and then, for a ping, a fresh dial may each take it).
				if took > 3*timeout+time.Second {
					t.Errorf("%s took %v with a deadline of %v", tc.name, took, timeout)
				}
			}
			// One request's calls share its budget: against a frozen
			// server, three calls wait the deadline once, not three times.
			budget := store.WithBudget(ctx, timeout)
			began := time.Now()
			for i := range 3 {
				if _, err := s.GetTenant(budget, "acme"); !errors.Is(err, domain.ErrUnavailable) {
					t.Errorf("call %d under a budget: %v, want ErrUnavailable", i+1, err)
				}
			}
			if took := time.Since(began); took > 2*timeout {
				t.Errorf("three calls under a budget of %v took %v", timeout, took)
			}
			if err := outage.Back(); err != nil {
				t.Fatal(err)
			}
			// New connections under a short deadline on a busy machine
			// may take a few tries.
			for _, tc := range calls {
				err := tc.call()
				for give := time.Now().Add(10 * time.Second); err != nil && time.Now().Before(give); err = tc.call() {
					time.Sleep(50 * time.Millisecond)
				}
				if err != nil {
					t.Errorf("%s after the outage: %v", tc.name, err)
				}
			}
			if n := s.DBs()["main"].Stats().InUse; n != 0 {
				t.Errorf("%d connections still in use", n)
			}
		})
	}
}

// TestBulkWorkOutlivesTheDeadline: with a deadline no call can meet,
// ordinary reads and writes answer ErrUnavailable, while what is
// legitimately long still works: migrations (Open), an import batch and
// the purges, each of which has its own bound.
func TestBulkWorkOutlivesTheDeadline(t *testing.T) {
	// The DSN is made with the subtest's t: pgtest skips the subtest, not
	// the whole test, when PostgreSQL is not asked for.
	for name, dsn := range map[string]func(t *testing.T) string{
		"sqlite":   func(t *testing.T) string { return filepath.Join(t.TempDir(), "t.db") },
		"postgres": func(t *testing.T) string { return pgtest.NewDatabase(t) },
	} {
		t.Run(name, func(t *testing.T) {
			dsn := dsn(t)
			ctx := context.Background()
			if err := open(t, dsn).CreateTenant(ctx, &domain.Tenant{ID: "acme", Name: "Acme"}); err != nil {
				t.Fatal(err)
			}
			s, err := sqlstore.Open(ctx, dsn, sqlstore.WithTimeout(time.Nanosecond))
			if err != nil {
				t.Fatalf("Open (migrations) under a 1 ns deadline: %v", err)
			}
			defer s.Close()
			if _, err := s.GetTenant(ctx, "acme"); !errors.Is(err, domain.ErrUnavailable) {
				t.Errorf("read: %v, want ErrUnavailable", err)
			}
			if err := s.PutSetting(ctx, "k", "v"); !errors.Is(err, domain.ErrUnavailable) {
				t.Errorf("write: %v, want ErrUnavailable", err)
			}
			ids := make([]string, 1000)
			for i := range ids {
				ids[i] = fmt.Sprintf("user%04d", i)
			}
			out, err := s.UpsertUsers(ctx, "acme", ids, func(int, *domain.User) *domain.User {
				return &domain.User{Source: domain.SourceCSV}
			})
			if err != nil || len(out) != len(ids) {
				t.Errorf("import batch: %d outcomes, %v", len(out), err)
			}
			if _, err := s.DeleteExpired(ctx, time.Now()); err != nil {
				t.Errorf("purge: %v", err)
			}
			if _, err := s.DeleteAuditBefore(ctx, time.Now()); err != nil {
				t.Errorf("audit purge: %v", err)
			}
		})
	}
}
