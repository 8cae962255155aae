package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// feedChannel is the PostgreSQL channel every append to the change feed
// or to the revocations notifies, at commit, so followers on other nodes
// read at once instead of at their next poll.
const feedChannel = "tollgate_feed"

// changeLockKey serialises change appends on PostgreSQL, as
// revocationLockKey does revocations: seq order is then commit order, and
// a follower never reads seq 12 before seq 11 commits and skips 11.
const changeLockKey = 0x6368616e6765

// lockFeed takes the lock of one feed for the rest of tx and queues the
// notification sent when tx commits. SQLite needs neither: it has one
// writer, and its followers are on this node.
func lockFeed(ctx context.Context, tx *tx, key int64) error {
	if !tx.d.postgres {
		return nil
	}
	_, err := tx.exec(ctx, `SELECT pg_advisory_xact_lock(?), pg_notify(?, '')`, key, feedChannel)
	return err
}

// change names what a write changed: entity id of tenant (domain.Change).
type change struct{ tenant, entity, id string }

// append adds c to the feed in tx.
func (c change) append(ctx context.Context, tx *tx) error {
	if err := lockFeed(ctx, tx, changeLockKey); err != nil {
		return err
	}
	_, err := tx.exec(ctx, `INSERT INTO changes (tenant, entity, id, at) VALUES (?, ?, ?, ?)`,
		c.tenant, c.entity, c.id, tx.d.ts(normTime(time.Now())))
	if err != nil {
		return fmt.Errorf("change feed: %w", err)
	}
	return nil
}

// writeChange is write with c appended to the feed after fn, in the same
// transaction.
func (s *Store) writeChange(ctx context.Context, c change, fn func(*tx) error) error {
	return s.write(ctx, func(tx *tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		return c.append(ctx, tx)
	})
}

// purgeChanges drops changes past their retention (DeleteExpired).
const purgeChanges = `DELETE FROM changes WHERE seq IN (SELECT seq FROM changes WHERE at <= ? LIMIT ?)`

// ChangesSince returns the changes after seq, in seq order, at most limit.
func (s *Store) ChangesSince(ctx context.Context, after int64, limit int) ([]domain.Change, error) {
	if limit <= 0 || limit > 10000 {
		limit = 10000
	}
	return queryAll(ctx, s.reader(ctx), func(r *sql.Rows, c *domain.Change) error {
		return r.Scan(&c.Seq, &c.Tenant, &c.Entity, &c.ID, timeCol{&c.At})
	}, `SELECT seq, tenant, entity, id, at FROM changes WHERE seq > ? ORDER BY seq LIMIT ?`, after, limit)
}

// FeedPosition returns the seq of the newest change, 0 when there is none:
// where a follower that starts with empty caches begins.
func (s *Store) FeedPosition(ctx context.Context) (int64, error) {
	var seq int64
	err := s.reader(ctx).queryRow(ctx, `SELECT COALESCE(MAX(seq), 0) FROM changes`).Scan(&seq)
	return seq, mapErr(err)
}

// listenRetry spaces reconnections of Listen while PostgreSQL is away.
const listenRetry = time.Second

// Listen calls woke whenever another transaction appended to the change
// feed or the revocations, on any node, until ctx ends. On SQLite, whose
// one node is this one, it only waits for ctx. A lost connection is
// reported to lost and made again; woke is called after each
// (re)connection too, since notifications sent meanwhile are lost.
func (s *Store) Listen(ctx context.Context, woke func(), lost func(error)) {
	if s.pgConfig == nil {
		<-ctx.Done()
		return
	}
	for {
		err := s.listenOnce(ctx, woke)
		if ctx.Err() != nil {
			return
		}
		lost(err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(listenRetry):
		}
	}
}

func (s *Store) listenOnce(ctx context.Context, woke func()) error {
	cctx, cancel := bound(ctx, max(s.timeout, minConnectTimeout))
	conn, err := pgx.ConnectConfig(cctx, s.pgConfig.Copy())
	cancel()
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	defer func() {
		// A frozen server must not hold the job past shutdown.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), time.Second)
		defer cancel()
		conn.Close(cctx)
	}()
	if _, err := conn.Exec(ctx, `LISTEN `+feedChannel); err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	woke()
	for {
		if _, err := conn.WaitForNotification(ctx); err != nil {
			return fmt.Errorf("listen: %w", err)
		}
		woke()
	}
}
