package main

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers "pgx"
	_ "modernc.org/sqlite"             // registers "sqlite"

	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// Sizes of the large data set (issue 4: every grant's p99 with this much
// data must stay within 20 % of its empty-database value).
const (
	largeUsers  = 100_000
	largeApps   = 10_000
	largeTokens = 1_000_000
)

// refDatabase is the PostgreSQL database of the large-data step's
// reference server.
const refDatabase = "reference"

// createDatabase creates database name in the cluster adminDSN points to.
func createDatabase(ctx context.Context, adminDSN, name string) error {
	db, err := sql.Open("pgx", adminDSN)
	if err != nil {
		return err
	}
	defer db.Close()
	if _, err := db.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		return fmt.Errorf("create database %s: %w", name, err)
	}
	return nil
}

// seedLarge fills a stopped server's database with generated rows in a
// few set-based INSERTs, which takes seconds where the admin API would take
// hours (100,000 argon2id hashes alone). Every user shares one precomputed
// hash. The schema is the server's: it ran its migrations on first start.
func seedLarge(ctx context.Context, dsn string) (time.Duration, error) {
	began := time.Now()
	pg := strings.HasPrefix(dsn, "postgres://")
	driver := "sqlite"
	if pg {
		driver = "pgx"
	} else {
		dsn += "?_pragma=busy_timeout(10000)&_pragma=journal_mode(WAL)"
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		return 0, err
	}
	defer db.Close()
	hash, err := secret.NewHasher(secret.DefaultParams, 1, 0).Hash(ctx, benchPassword)
	if err != nil {
		return 0, err
	}
	now := time.Now().UTC().Truncate(time.Microsecond)
	var nowV, expV any = now.UnixNano(), now.Add(24 * time.Hour).UnixNano()
	// Rows numbered 1..n: SQLite counts with a recursive CTE, PostgreSQL
	// with generate_series; SQLite stores false as 0.
	series := func(n int) string {
		return fmt.Sprintf("(WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c WHERE x < %d) SELECT x FROM c) s", n)
	}
	// Stored refresh tokens have this version's keys (token.RefreshKey):
	// eight time digits, here those of a day ago as if issued then, and a
	// SHA-256, here random bytes. So the data set sorts as a day of
	// production would, before every token the run issues.
	dayAgo := token.RefreshKey(token.NewRefreshToken(now.Add(-24 * time.Hour)))[:8]
	blob, falseV, analyze := "randomblob(32)", "0", "ANALYZE"
	rtKey := "unhex(hex(CAST(? AS BLOB)) || hex(randomblob(32)))"
	if pg {
		nowV, expV = now, now.Add(24*time.Hour)
		series = func(n int) string { return fmt.Sprintf("generate_series(1, %d) s(x)", n) }
		blob, falseV = "decode(md5(x::text) || md5((-x)::text), 'hex')", "false"
		rtKey = "CAST(? AS BYTEA) || " + blob
		// After a bulk load PostgreSQL's autovacuum would soon vacuum the
		// new million rows for seconds, in the middle of a scenario; a
		// database that grew over a day was vacuumed as it grew.
		analyze = "VACUUM ANALYZE"
	}
	ph := func(q string) string { // '?' → '$n' for PostgreSQL
		if !pg {
			return q
		}
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", fmt.Sprintf("$%d", i), 1)
		}
		return q
	}
	stmts := []struct {
		q    string
		args []any
	}{
		{`INSERT INTO users (tenant, id, email, display_name, password_hash, roles, source, disabled, created_at, updated_at)
			SELECT 'default', 'u' || x, 'u' || x || '@example.com', '', ?, '["bench"]', 'local', ` + falseV + `, ?, ? FROM ` + series(largeUsers),
			[]any{hash, nowV, nowV}},
		{`INSERT INTO applications (tenant, id, name, secret_hash, grant_types, scopes, default_scopes,
				access_token_ttl_ns, refresh_token_ttl_ns, created_at, updated_at)
			SELECT 'default', 'a' || x, 'app ' || x, ` + blob + `, '["password","refresh_token","client_credentials"]',
				'["bench:read"]', '[]', ?, ?, ?, ? FROM ` + series(largeApps),
			[]any{int64(time.Hour), int64(24 * time.Hour), nowV, nowV}},
		{`INSERT INTO refresh_tokens (tenant, hash, family_id, client_id, subject, scopes, audience, expires_at, created_at)
			SELECT 'default', ` + rtKey + `, 'f' || x, 'a' || (x % ` + fmt.Sprint(largeApps) + ` + 1), 'u' || (x % ` + fmt.Sprint(largeUsers) + ` + 1),
				'["bench:read"]', '[]', ?, ? FROM ` + series(largeTokens),
			[]any{dayAgo, expV, nowV}},
		{analyze, nil},
	}
	for _, s := range stmts {
		if _, err := db.ExecContext(ctx, ph(s.q), s.args...); err != nil {
			return 0, fmt.Errorf("large seed: %w\n%s", err, s.q)
		}
	}
	return time.Since(began), nil
}
