package sqlstore

import (
	"context"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// userRefs are the columns that hold a user id, besides users.id, that
// a renamed user's rows move with. app_users is handled apart: its key
// holds the id.
var userRefs = []struct{ table, column string }{
	{"api_tokens", "user_id"},
	{"refresh_tokens", "subject"},
	{"audit_events", "user_id"},
}

// storedName is a user id that is not in its PRECIS form.
type storedName struct {
	tenant, id string
	normal     string // "" when PRECIS refuses the name
	reason     string // why it stays as it is; "" when it is renamed
}

// normalizeUsernames is the Go step of migration 0013: it gives every
// user id its PRECIS form (domain.NormalizeUsername) and moves the rows
// that refer to the user along. A user whose form another user has, or
// whose name PRECIS refuses, keeps its id: it is recorded in
// username_conflicts and logged, never merged, since which of two
// lookalikes is the real one is for a person to decide.
func normalizeUsernames(ctx context.Context, tx *tx) error {
	odd, err := unnormalizedUsers(ctx, tx)
	if err != nil || len(odd) == 0 {
		return err
	}
	if err := findConflicts(ctx, tx, odd); err != nil {
		return err
	}
	var renames []storedName
	for _, u := range odd {
		if u.reason == "" {
			renames = append(renames, u)
			continue
		}
		if _, err := tx.exec(ctx, `INSERT INTO username_conflicts (tenant, user_id, normalized, reason) VALUES (?, ?, ?, ?)`,
			u.tenant, u.id, u.normal, u.reason); err != nil {
			return err
		}
		slog.Warn("migration 0013: user id left as it was; see username_conflicts",
			"tenant", u.tenant, "user", u.id, "reason", u.reason)
	}
	return renameUsers(ctx, tx, renames)
}

// unnormalizedUsers reads every user id and returns those that differ
// from their PRECIS form, in (tenant, id) order.
func unnormalizedUsers(ctx context.Context, tx *tx) ([]storedName, error) {
	rows, err := tx.query(ctx, `SELECT tenant, id FROM users ORDER BY tenant, id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var odd []storedName
	for rows.Next() {
		var u storedName
		if err := rows.Scan(&u.tenant, &u.id); err != nil {
			return nil, err
		}
		n, err := domain.NormalizeUsername(u.id)
		switch {
		case err != nil:
			u.reason = "PRECIS refuses the name: " + err.Error()
		case n == u.id:
			continue
		}
		u.normal = n
		odd = append(odd, u)
	}
	return odd, rows.Err()
}

// findConflicts sets the reason of every name whose PRECIS form is also
// another user's: an id already stored (always in its form, as a form is
// its own form) or another name of the list.
func findConflicts(ctx context.Context, tx *tx, odd []storedName) error {
	byForm := map[[2]string][]string{}
	for _, u := range odd {
		if u.reason == "" {
			k := [2]string{u.tenant, u.normal}
			byForm[k] = append(byForm[k], u.id)
		}
	}
	for i := range odd {
		u := &odd[i]
		if u.reason != "" {
			continue
		}
		others := slices.DeleteFunc(slices.Clone(byForm[[2]string{u.tenant, u.normal}]), func(id string) bool { return id == u.id })
		var n int
		if err := tx.queryRow(ctx, `SELECT COUNT(*) FROM users WHERE tenant = ? AND id = ?`, u.tenant, u.normal).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			others = append([]string{u.normal}, others...)
		}
		if len(others) > 0 {
			quoted := make([]string, len(others))
			for j, o := range others {
				quoted[j] = strconv.Quote(o)
			}
			u.reason = fmt.Sprintf("its PRECIS form %q is also that of user %s", u.normal, strings.Join(quoted, ", "))
		}
	}
	return nil
}

// renameUsers gives each user its new id, set-based through a scratch
// table of renames: one pass over each referring table, whatever their
// size. The user row is copied with every column the table has (later
// migrations may add some), its references moved, then the old row
// deleted, so the api_tokens foreign key holds at every statement.
func renameUsers(ctx context.Context, tx *tx, renames []storedName) error {
	if len(renames) == 0 {
		return nil
	}
	if err := tx.execScript(ctx, tx.d.types.Replace(`CREATE TABLE user_renames (
		tenant {{id}} NOT NULL, old_id {{id}} NOT NULL, new_id {{id}} NOT NULL, PRIMARY KEY (tenant, old_id))`)); err != nil {
		return err
	}
	for _, u := range renames {
		if _, err := tx.exec(ctx, `INSERT INTO user_renames (tenant, old_id, new_id) VALUES (?, ?, ?)`, u.tenant, u.id, u.normal); err != nil {
			return err
		}
	}
	cols, err := tableColumns(ctx, tx, "users")
	if err != nil {
		return err
	}
	sel := make([]string, len(cols))
	for i, c := range cols {
		sel[i] = "u." + c
		if c == "id" {
			sel[i] = "m.new_id"
		}
	}
	const renamed = `SELECT 1 FROM user_renames m WHERE m.tenant = %[1]s.tenant AND m.old_id = %[1]s.%[2]s`
	stmts := []string{`INSERT INTO users (` + strings.Join(cols, ", ") + `) SELECT ` + strings.Join(sel, ", ") +
		` FROM users u JOIN user_renames m ON m.tenant = u.tenant AND m.old_id = u.id`}
	for _, r := range userRefs {
		stmts = append(stmts, fmt.Sprintf(`UPDATE %[1]s SET %[2]s = (SELECT m.new_id FROM user_renames m
			WHERE m.tenant = %[1]s.tenant AND m.old_id = %[1]s.%[2]s) WHERE EXISTS (`+renamed+`)`, r.table, r.column))
	}
	stmts = append(stmts,
		// A user counted under both names keeps the count of the new one.
		`DELETE FROM app_users WHERE EXISTS (SELECT 1 FROM user_renames m JOIN app_users a
			ON a.tenant = m.tenant AND a.user_id = m.new_id
			WHERE m.tenant = app_users.tenant AND m.old_id = app_users.user_id AND a.client_id = app_users.client_id)`,
		`UPDATE app_users SET user_id = (SELECT m.new_id FROM user_renames m
			WHERE m.tenant = app_users.tenant AND m.old_id = app_users.user_id) WHERE EXISTS (`+fmt.Sprintf(renamed, "app_users", "user_id")+`)`,
		`DELETE FROM users WHERE EXISTS (`+fmt.Sprintf(renamed, "users", "id")+`)`,
		`DROP TABLE user_renames`)
	for _, q := range stmts {
		if _, err := tx.exec(ctx, q); err != nil {
			return err
		}
	}
	return nil
}

// tableColumns returns the names of a table's columns, in order.
func tableColumns(ctx context.Context, tx *tx, table string) ([]string, error) {
	rows, err := tx.query(ctx, `SELECT * FROM `+table+` WHERE 1 = 0`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	return rows.Columns()
}
