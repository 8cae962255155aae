package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// upsertChunk bounds the ids of one SELECT … IN and the rows of one
// multi-row INSERT (11 parameters each), well under SQLite's limit of
// 32766 parameters and PostgreSQL's 65535. Both statements come only in
// power-of-two sizes up to it, so an import adds at most a handful of
// query texts to the bounded statement cache instead of filling it with
// one text per batch size.
const upsertChunk = 512

// pow2Floor returns the largest power of two <= n (n >= 1).
func pow2Floor(n int) int {
	p := 1
	for p*2 <= n {
		p *= 2
	}
	return p
}

// UpsertUsers writes a batch of imported users in one transaction: it
// reads the stored users of the batch with one query per chunk, lets merge
// decide each row, inserts the new users with multi-row INSERTs and
// updates the changed ones. Any failure rolls the whole batch back.
func (s *Store) UpsertUsers(ctx context.Context, tenant string, ids []string,
	merge func(i int, stored *domain.User) *domain.User) ([]domain.UpsertOutcome, error) {
	out := make([]domain.UpsertOutcome, len(ids))
	now := normTime(time.Now())
	err := s.writeWithin(ctx, s.bulk(), func(tx *tx) error {
		if tx.d.postgres {
			// A generic plan cached while the table was small scans it
			// whole for every IN list once it has grown (an import fills
			// it from empty): plan each batch for what the table holds.
			if _, err := tx.exec(ctx, `SET LOCAL plan_cache_mode = force_custom_plan`); err != nil {
				return err
			}
		}
		stored, err := findUsersByIDs(ctx, tx, tenant, ids)
		if err != nil {
			return err
		}
		var inserts []*domain.User
		var roles []string // of the users written, each a reference to check
		for i, id := range ids {
			old := stored[id]
			u := merge(i, old)
			switch {
			case u == nil:
				out[i] = domain.UpsertUnchanged
			case old == nil:
				u.ID, u.Tenant, u.CreatedAt, u.UpdatedAt = id, tenant, now, now
				inserts = append(inserts, u)
				out[i] = domain.UpsertCreated
			default:
				u.ID, u.Tenant, u.CreatedAt, u.UpdatedAt = id, tenant, old.CreatedAt, now
				if err := updateUser(ctx, tx, tenant, u); err != nil {
					return err
				}
				out[i] = domain.UpsertUpdated
			}
			if u != nil {
				roles = append(roles, u.Roles...)
			}
		}
		if err := insertUsers(ctx, tx, tenant, inserts); err != nil {
			return err
		}
		// One query for the batch: its users name a handful of roles.
		if err := requireAll(ctx, tx, tenant, "role", "roles", roles); err != nil {
			return err
		}
		if len(inserts) == 0 && !slices.Contains(out, domain.UpsertUpdated) {
			return nil // nothing written
		}
		// One change for the batch, for every user of the tenant: a
		// million imported users are not a million changes to follow.
		return change{tenant, domain.EntityUser, ""}.append(ctx, tx)
	})
	if err != nil {
		return nil, err
	}
	return out, nil
}

func findUsersByIDs(ctx context.Context, tx *tx, tenant string, ids []string) (map[string]*domain.User, error) {
	found := make(map[string]*domain.User, len(ids))
	for start := 0; start < len(ids); start += upsertChunk {
		chunk := ids[start:min(start+upsertChunk, len(ids))]
		size := pow2Floor(len(chunk))
		if size < len(chunk) {
			size *= 2
		}
		args := make([]any, 0, size+1)
		args = append(args, tenant)
		for i := range size {
			args = append(args, chunk[min(i, len(chunk)-1)]) // padded with the last id
		}
		rows, err := tx.query(ctx, `SELECT `+userCols+` FROM users WHERE tenant = ? AND id IN (`+
			placeholders(size, 1)+`)`, args...)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			u := &domain.User{Tenant: tenant}
			if err := scanUser(rows, u); err != nil {
				rows.Close()
				return nil, err
			}
			found[u.ID] = u
		}
		if err := rows.Close(); err != nil {
			return nil, err
		}
	}
	return found, nil
}

func insertUsers(ctx context.Context, tx *tx, tenant string, us []*domain.User) error {
	const perRow = 11
	for len(us) > 0 {
		chunk := us[:pow2Floor(min(len(us), upsertChunk))]
		us = us[len(chunk):]
		args := make([]any, 0, len(chunk)*perRow)
		for _, u := range chunk {
			args = append(args, tenant, u.ID, u.Email, u.DisplayName, u.PasswordHash, encList(u.Roles),
				u.Source, u.Disabled, tx.d.ts(u.CreatedAt), tx.d.ts(u.UpdatedAt), u.ImportedHash)
		}
		q := `INSERT INTO users (tenant, ` + userCols + `) VALUES ` + placeholders(len(chunk), perRow)
		if _, err := tx.exec(ctx, q, args...); err != nil {
			return fmt.Errorf("insert users: %w", mapErr(err))
		}
	}
	return nil
}

func updateUser(ctx context.Context, tx *tx, tenant string, u *domain.User) error {
	return tx.execOne(ctx, fmt.Errorf("user %q: %w", u.ID, domain.ErrNotFound),
		`UPDATE users SET email = ?, display_name = ?, password_hash = ?, roles = ?, source = ?,
			disabled = ?, updated_at = ?, imported_hash = ? WHERE tenant = ? AND id = ?`,
		u.Email, u.DisplayName, u.PasswordHash, encList(u.Roles), u.Source, u.Disabled, tx.d.ts(u.UpdatedAt),
		u.ImportedHash, tenant, u.ID)
}

// placeholders returns n groups of per '?' each: "?, ?" for per 1, or
// "(?, ?), (?, ?)" for per 2.
func placeholders(n, per int) string {
	group := strings.TrimSuffix(strings.Repeat("?, ", per), ", ")
	if per > 1 {
		group = "(" + group + ")"
	}
	return strings.TrimSuffix(strings.Repeat(group+", ", n), ", ")
}
