package sqlstore

import (
	"crypto/sha256"
	"fmt"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
)

// BenchmarkRotateAmong1M rotates refresh tokens in a table already holding
// a million, to show the hot path stays an index lookup at that size. The
// fill takes ~10 s, so it happens once per dialect, outside the timed run.
func BenchmarkRotateAmong1M(b *testing.B) {
	b.Run("sqlite", func(b *testing.B) { benchAmong1M(b, filepath.Join(b.TempDir(), "b.db")) })
	b.Run("postgres", func(b *testing.B) { benchAmong1M(b, pgtest.NewDatabase(b)) })
}

// benchAmong1M runs once per dialect (it has a sub-benchmark), so the fill
// is not repeated for each b.N.
func benchAmong1M(b *testing.B, dsn string) {
	ctx := b.Context()
	s, err := Open(ctx, dsn)
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	if err := s.CreateTenant(ctx, &domain.Tenant{ID: "acme"}); err != nil {
		b.Fatal(err)
	}
	fill := `WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < 1000000)
		INSERT INTO refresh_tokens SELECT 'acme', randomblob(32), 'f' || x, 'app', 'u', '[]', '[]', ?, ?, NULL, NULL FROM c`
	if s.d.postgres {
		fill = `INSERT INTO refresh_tokens SELECT 'acme', decode(md5(x::text) || md5((-x)::text), 'hex'),
			'f' || x, 'app', 'u', '[]', '[]', ?, ?, NULL, NULL FROM generate_series(1, 1000000) x`
	}
	start := time.Now()
	now := time.Now()
	if _, err := s.w.ExecContext(ctx, s.d.rebind(fill), s.d.ts(now.Add(time.Hour)), s.d.ts(now)); err != nil {
		b.Fatal(err)
	}
	if s.d.postgres {
		s.w.ExecContext(ctx, `ANALYZE refresh_tokens`)
	}
	b.Logf("filled 1,000,000 tokens in %v", time.Since(start).Round(time.Millisecond))
	var n atomic.Int64 // across runs, so token hashes never repeat
	b.Run("rotate", func(b *testing.B) { benchRotateIn(b, s, now, &n) })
}

func benchRotateIn(b *testing.B, s *Store, now time.Time, n *atomic.Int64) {
	ctx := b.Context()
	hash := func(i int64) []byte { h := sha256.Sum256(fmt.Append(nil, "bench", i)); return h[:] }
	b.SetParallelism(4)
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		cur := n.Add(1)
		if err := s.CreateRefreshToken(ctx, "acme", &domain.RefreshToken{Hash: hash(cur), FamilyID: "x",
			ExpiresAt: now.Add(time.Hour)}); err != nil {
			b.Error(err)
			return
		}
		for pb.Next() {
			nxt := n.Add(1)
			if _, err := s.RotateRefreshToken(ctx, "acme", hash(cur),
				&domain.RefreshToken{Hash: hash(nxt), ExpiresAt: now.Add(time.Hour)}, now); err != nil {
				b.Error(err)
				return
			}
			cur = nxt
		}
	})
}
