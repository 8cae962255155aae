package sqlstore

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFS embed.FS

// migrationLockKey is the pg_advisory lock that serialises migrations when
// several nodes start at once ("tollgate" as a number).
const migrationLockKey = 0x746f6c6c67617465

type migration struct {
	version int
	name    string
	sql     string
	// step, when set, runs after sql in the same transaction: what SQL
	// shared by both dialects cannot do (usernames.go).
	step func(context.Context, *tx) error
}

// goSteps are the Go parts of migrations, by version. Each belongs to a
// NNNN_name.sql file, which may hold just a comment.
var goSteps = map[int]func(context.Context, *tx) error{
	13: normalizeUsernames,
	14: repairReferences,
}

// loadMigrations reads NNNN_name.sql files in version order and substitutes
// the dialect's column types, so both dialects share one file set.
func loadMigrations(d *dialect) ([]migration, error) {
	names, err := fs.Glob(migrationFS, "migrations/*.sql")
	if err != nil {
		return nil, err
	}
	var ms []migration
	for _, n := range names {
		base := strings.TrimPrefix(n, "migrations/")
		v, err := strconv.Atoi(strings.SplitN(base, "_", 2)[0])
		if err != nil {
			return nil, fmt.Errorf("migration %s: bad version prefix", base)
		}
		b, err := migrationFS.ReadFile(n)
		if err != nil {
			return nil, err
		}
		ms = append(ms, migration{version: v, name: base, sql: d.types.Replace(string(b)), step: goSteps[v]})
	}
	for v := range goSteps {
		if !slices.ContainsFunc(ms, func(m migration) bool { return m.version == v }) {
			return nil, fmt.Errorf("migration %04d: a Go step without its .sql file", v)
		}
	}
	sort.Slice(ms, func(i, j int) bool { return ms[i].version < ms[j].version })
	return ms, nil
}

// migrate applies missing migrations in one transaction. On PostgreSQL a
// transaction-scoped advisory lock makes a second node wait and then find
// the work done; on SQLite the writer's BEGIN IMMEDIATE does the same.
func (s *Store) migrate(ctx context.Context) error { return s.migrateTo(ctx, 0) }

// migrateTo is migrate up to version upTo (0: all). Migration tests use it
// to build a database as an older release left it, with rows in it.
func (s *Store) migrateTo(ctx context.Context, upTo int) error {
	ms, err := loadMigrations(s.d)
	if err != nil {
		return err
	}
	// No deadline of the store's: a migration may rewrite a large table;
	// the caller's context (the server's start) bounds it.
	return s.writeWithin(ctx, 0, func(tx *tx) error {
		if s.d.postgres {
			if _, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock(?)`, int64(migrationLockKey)); err != nil {
				return fmt.Errorf("migration lock: %w", err)
			}
		}
		if _, err := tx.exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`); err != nil {
			return err
		}
		applied := map[int]bool{}
		rows, err := tx.query(ctx, `SELECT version FROM schema_migrations`)
		if err != nil {
			return err
		}
		for rows.Next() {
			var v int
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return err
			}
			applied[v] = true
		}
		if err := rows.Close(); err != nil {
			return err
		}
		for _, m := range ms {
			if applied[m.version] || (upTo > 0 && m.version > upTo) {
				continue
			}
			if err := tx.execScript(ctx, m.sql); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
			if m.step != nil {
				if err := m.step(ctx, tx); err != nil {
					return fmt.Errorf("migration %s: %w", m.name, err)
				}
			}
			if _, err := tx.exec(ctx, `INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)`,
				m.version, m.name, time.Now().UTC().Format(time.RFC3339)); err != nil {
				return fmt.Errorf("migration %s: %w", m.name, err)
			}
		}
		return nil
	})
}
