package sqlstore_test

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
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
	for _, outage := range []struct {
		name       string
		down, back func() error
	}{
		{"frozen", c.Freeze, c.Thaw},
		{"shut down", c.Shutdown, c.Restart},
	} {
		t.Run(outage.name, func(t *testing.T) {
			if err := outage.down(); err != nil {
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
			if err := outage.back(); err != nil {
				t.Fatal(err)
			}
			for _, tc := range calls {
				if err := tc.call(); err != nil {
					t.Errorf("%s after the outage: %v", tc.name, err)
				}
			}
			if n := s.DBs()["main"].Stats().InUse; n != 0 {
				t.Errorf("%d connections still in use", n)
			}
		})
	}
}
