package sqlstore_test

import (
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
)

func openB(b *testing.B, dsn string) store.Store {
	s, err := sqlstore.Open(b.Context(), dsn)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { s.Close() })
	if err := s.CreateTenant(b.Context(), &domain.Tenant{ID: "acme", Name: "Acme"}); err != nil {
		b.Fatal(err)
	}
	return s
}

// BenchmarkRotateRefreshToken measures refresh rotations, the hottest write:
// every goroutine rotates its own chain, as independent clients would, with
// a sealed copy of each successor as the default rotation grace keeps.
func BenchmarkRotateRefreshToken(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchRotate(b, openB(b, filepath.Join(b.TempDir(), "b.db"))) })
	b.Run("postgres", func(b *testing.B) { benchRotate(b, openB(b, pgtest.NewDatabase(b))) })
}

func benchRotate(b *testing.B, s store.Store) {
	var n atomic.Int64
	hash := func(i int64) []byte { h := sha256.Sum256(fmt.Append(nil, i)); return h[:] }
	now := time.Now()
	sealed := make([]byte, 1+12+61+16) // secret.Sealer's output for a 61-character refresh token
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		cur := n.Add(1)
		err := s.CreateRefreshToken(b.Context(), "acme", &domain.RefreshToken{Hash: hash(cur),
			FamilyID: fmt.Sprint("f", cur), ClientID: "app", Subject: "u", ExpiresAt: now.Add(time.Hour)})
		if err != nil {
			b.Error(err)
			return
		}
		for pb.Next() {
			nxt := n.Add(1)
			_, err := s.RotateRefreshToken(b.Context(), "acme", hash(cur),
				&domain.RefreshToken{Hash: hash(nxt), ExpiresAt: now.Add(time.Hour),
					Sealed: sealed, SealedUntil: now.Add(domain.DefaultRefreshReuseGrace)}, now)
			if err != nil {
				b.Error(err)
				return
			}
			cur = nxt
		}
	})
}
