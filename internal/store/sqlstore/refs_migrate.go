package sqlstore

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"slices"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// repairReferences is the Go step of migration 0014: it repairs the role
// and scope names that dangle from before references were enforced and
// records each repair in reference_repairs (see 0014_references.sql).
func repairReferences(ctx context.Context, tx *tx) error {
	scopes, err := namesByTenant(ctx, tx, "scopes")
	if err != nil {
		return err
	}
	roles, err := namesByTenant(ctx, tx, "roles")
	if err != nil {
		return err
	}
	n, err := recreateAPIScopes(ctx, tx, scopes)
	if err != nil {
		return err
	}
	// After the APIs: a scope they brought back stays on the roles and
	// applications holding it, so what tokens get does not change for it.
	for _, h := range []struct {
		holder, table string
		cols          []string
		known         map[string]map[string]bool
	}{
		{"role", "roles", []string{"scopes"}, scopes},
		{"application", "applications", []string{"scopes", "default_scopes"}, scopes},
		{"user", "users", []string{"roles"}, roles},
	} {
		dropped, err := dropDangling(ctx, tx, h.holder, h.table, h.cols, h.known)
		if err != nil {
			return fmt.Errorf("%s: %w", h.table, err)
		}
		n += dropped
	}
	if n > 0 {
		slog.Warn("migration 0014: repaired role and scope names that no longer existed; see reference_repairs", "repairs", n)
	}
	return nil
}

// namesByTenant reads the ids of table (roles or scopes) by tenant.
func namesByTenant(ctx context.Context, tx *tx, table string) (map[string]map[string]bool, error) {
	rows, err := tx.query(ctx, `SELECT tenant, id FROM `+table)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[string]bool{}
	for rows.Next() {
		var tenant, id string
		if err := rows.Scan(&tenant, &id); err != nil {
			return nil, err
		}
		if out[tenant] == nil {
			out[tenant] = map[string]bool{}
		}
		out[tenant][id] = true
	}
	return out, rows.Err()
}

// recreateAPIScopes creates each scope an API resource requires that its
// tenant lacks, adding it to scopes, and returns how many it created.
func recreateAPIScopes(ctx context.Context, tx *tx, scopes map[string]map[string]bool) (int, error) {
	apis, err := queryAll(ctx, tx, func(rows *sql.Rows, a *domain.API) error {
		return rows.Scan(&a.Tenant, &a.ID, resourcesCol{&a.Resources})
	}, `SELECT tenant, id, resources FROM apis ORDER BY tenant, id`)
	if err != nil {
		return 0, err
	}
	n := 0
	for _, a := range apis {
		for _, s := range slices.Compact(slices.Sorted(slices.Values(resourceScopes(a.Resources)))) {
			if scopes[a.Tenant][s] {
				continue
			}
			desc := fmt.Sprintf("recreated by migration 0014: API %q requires it", a.ID)
			if err := createScope(ctx, tx, a.Tenant, &domain.Scope{ID: s, Description: desc}); err != nil {
				return 0, err
			}
			if scopes[a.Tenant] == nil {
				scopes[a.Tenant] = map[string]bool{}
			}
			scopes[a.Tenant][s] = true
			if err := recordRepair(ctx, tx, a.Tenant, "api", a.ID, s, "scope recreated"); err != nil {
				return 0, err
			}
			n++
		}
	}
	return n, nil
}

// danglingFix is a holder row whose lists lose the names in dropped.
type danglingFix struct {
	tenant, id string
	lists      [][]string
	dropped    []string
}

// dropDangling removes from the list columns cols of table every name
// its tenant does not know, records each and returns how many names it
// dropped. Rows are streamed and only those to fix are kept, so a table
// of a million users costs one pass and little memory.
func dropDangling(ctx context.Context, tx *tx, holder, table string, cols []string, known map[string]map[string]bool) (int, error) {
	nonEmpty := make([]string, len(cols))
	for i, c := range cols {
		nonEmpty[i] = c + ` <> '[]'`
	}
	rows, err := tx.query(ctx, `SELECT tenant, id, `+strings.Join(cols, ", ")+` FROM `+table+`
		WHERE `+strings.Join(nonEmpty, " OR ")+` ORDER BY tenant, id`)
	if err != nil {
		return 0, err
	}
	var fixes []danglingFix
	for rows.Next() {
		f := danglingFix{lists: make([][]string, len(cols))}
		dest := []any{&f.tenant, &f.id}
		for i := range cols {
			dest = append(dest, listCol{&f.lists[i]})
		}
		if err := rows.Scan(dest...); err != nil {
			rows.Close()
			return 0, err
		}
		for i, l := range f.lists {
			f.lists[i] = slices.DeleteFunc(l, func(name string) bool {
				if known[f.tenant][name] {
					return false
				}
				f.dropped = append(f.dropped, name)
				return true
			})
		}
		if len(f.dropped) > 0 {
			fixes = append(fixes, f)
		}
	}
	if err := rows.Close(); err != nil {
		return 0, err
	}
	n := 0
	for _, f := range fixes {
		set := make([]string, len(cols))
		args := make([]any, 0, len(cols)+2)
		for i, c := range cols {
			set[i] = c + " = ?"
			args = append(args, encList(f.lists[i]))
		}
		if _, err := tx.exec(ctx, `UPDATE `+table+` SET `+strings.Join(set, ", ")+` WHERE tenant = ? AND id = ?`,
			append(args, f.tenant, f.id)...); err != nil {
			return 0, err
		}
		for _, name := range slices.Compact(slices.Sorted(slices.Values(f.dropped))) {
			if err := recordRepair(ctx, tx, f.tenant, holder, f.id, name, "dropped"); err != nil {
				return 0, err
			}
			n++
		}
	}
	return n, nil
}

func recordRepair(ctx context.Context, tx *tx, tenant, holder, holderID, name, action string) error {
	_, err := tx.exec(ctx, `INSERT INTO reference_repairs (tenant, holder, holder_id, name, action) VALUES (?, ?, ?, ?, ?)`,
		tenant, holder, holderID, name, action)
	return err
}
