package sqlstore

import (
	"context"
	"database/sql"
	"slices"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// References to roles and scopes are names in JSON list columns: a user's
// roles, an identity provider's default roles, a role's scopes, an
// application's scopes and default scopes, an API resource's scopes, a
// broker provider's allowed roles. They are enforced here, inside the writing
// transaction, instead of with join tables and foreign keys: the hot paths
// (GetUserWithScopes on every password grant, the user's standing in
// RotateRefreshToken, application lookups) keep reading one row as they
// are, and an import keeps writing one row per user.
//
// The locks are those a foreign key would take. A write locks the names it
// refers to (FOR KEY SHARE on PostgreSQL); a delete takes the row's
// exclusive lock by deleting it before it counts the uses. So a concurrent
// "assign" and "delete" run one after the other: either the delete sees
// the assignment and refuses, or the assignment finds the name gone.
// SQLite's single writer runs them one after the other anyway.

// refTables names the table that defines each kind of referenced name.
var refTables = map[string]string{"role": "roles", "scope": "scopes"}

// requireAll refuses, as invalid field, the first of names (in sorted
// order) that tenant does not define as kind ("role" or "scope"), and
// locks the others against deletion until the transaction ends.
func requireAll(ctx context.Context, tx *tx, tenant, kind, field string, names []string) error {
	if len(names) == 0 {
		return nil
	}
	want := slices.Compact(slices.Sorted(slices.Values(names)))
	found, err := queryAll(ctx, tx, func(rows *sql.Rows, id *string) error { return rows.Scan(id) },
		`SELECT id FROM `+refTables[kind]+` WHERE tenant = ? AND id IN `+tx.d.elements()+tx.d.keyShare(),
		tenant, encList(want))
	if err != nil || len(found) == len(want) {
		return err
	}
	for _, n := range want {
		if !slices.Contains(found, n) {
			return domain.Invalid(field, "unknown %s %q", kind, n)
		}
	}
	return nil
}

// resourceScopes is every scope an API's resources name.
func resourceScopes(rs []domain.APIResource) []string {
	var out []string
	for _, r := range rs {
		out = append(out, r.Scopes...)
	}
	return out
}

// elements is a subquery of the strings of the JSON array parameter.
func (d *dialect) elements() string {
	if d.postgres {
		return `(SELECT jsonb_array_elements_text(?::jsonb))`
	}
	return `(SELECT value FROM json_each(?))`
}

// keyShare locks the rows a SELECT reads against deletion and key
// changes, as a foreign-key check does; SQLite needs no lock (one writer).
func (d *dialect) keyShare() string {
	if d.postgres {
		return ` FOR KEY SHARE`
	}
	return ``
}

// names is the condition that the JSON list column col holds the name
// given as the next parameter.
func (d *dialect) names(col string) string {
	if d.postgres {
		return col + `::jsonb @> jsonb_build_array(?::text)`
	}
	return `EXISTS (SELECT 1 FROM json_each(` + col + `) WHERE value = ?)`
}

// without is the JSON list column col without the name given as the next
// parameter, its order kept.
func (d *dialect) without(col string) string {
	if d.postgres {
		return `(SELECT COALESCE(jsonb_agg(e ORDER BY n), '[]')::text
			FROM jsonb_array_elements_text(` + col + `::jsonb) WITH ORDINALITY x(e, n) WHERE e <> ?)`
	}
	return `(SELECT json_group_array(value) FROM json_each(` + col + `) WHERE value <> ?)`
}

// resourcesName is the condition that a resource of the apis row requires
// the scope given as the next parameter.
func (d *dialect) resourcesName() string {
	if d.postgres {
		return `resources::jsonb @> jsonb_build_array(jsonb_build_object('scopes', jsonb_build_array(?::text)))`
	}
	return `EXISTS (SELECT 1 FROM json_each(resources) r, json_each(r.value, '$.scopes') s WHERE s.value = ?)`
}

// usesOf counts the records of tenant that name the role or scope id. The
// lists are not indexed: a delete reads the tenant's users and identity
// and broker providers (for a role) or roles, applications and APIs (for a scope), a price paid by a rare
// admin action rather than by every grant.
func usesOf(ctx context.Context, tx *tx, tenant, kind, id string) (domain.Uses, error) {
	var u domain.Uses
	d := tx.d
	if kind == "role" {
		err := tx.queryRow(ctx, `SELECT
				(SELECT COUNT(*) FROM users WHERE tenant = ? AND `+d.names("roles")+`),
				(SELECT COUNT(*) FROM identity_providers WHERE tenant = ? AND `+d.names("default_roles")+`),
				(SELECT COUNT(*) FROM broker_providers WHERE tenant = ? AND `+d.names("allowed_roles")+`)`,
			tenant, id, tenant, id, tenant, id).Scan(&u.Users, &u.IdentityProviders, &u.BrokerProviders)
		return u, err
	}
	err := tx.queryRow(ctx, `SELECT
			(SELECT COUNT(*) FROM roles WHERE tenant = ? AND `+d.names("scopes")+`),
			(SELECT COUNT(*) FROM applications WHERE tenant = ? AND (`+d.names("scopes")+` OR `+d.names("default_scopes")+`)),
			(SELECT COUNT(*) FROM apis WHERE tenant = ? AND `+d.resourcesName()+`)`,
		tenant, id, tenant, id, id, tenant, id).Scan(&u.Roles, &u.Applications, &u.APIs)
	return u, err
}

// deleteReferenced deletes the role or scope id of tenant. Records that
// still name it make it an InUseError, unless force, which removes the
// name from users, roles, applications and identity providers in the same
// transaction (never from APIs, see InUseError). It returns the ids of the
// applications it changed, whose cached copies are stale. Callers give it the bulk
// deadline: with 100,000 users holding a role, counting them took 0.1 s
// and a forced delete 0.8 s (SQLite) to 1.9 s (PostgreSQL).
func deleteReferenced(ctx context.Context, tx *tx, tenant, kind, id string, force bool) ([]string, error) {
	// Deleting first takes the row's exclusive lock: writers that name id
	// have committed (and are counted below) or will find it gone.
	if err := tx.execOne(ctx, notFound(sql.ErrNoRows, kind, id),
		`DELETE FROM `+refTables[kind]+` WHERE tenant = ? AND id = ?`, tenant, id); err != nil {
		return nil, err
	}
	uses, err := usesOf(ctx, tx, tenant, kind, id)
	if err != nil || uses.Total() == 0 {
		return nil, err
	}
	if !force || uses.APIs > 0 {
		return nil, &domain.InUseError{Kind: kind, ID: id, Uses: uses}
	}
	return removeUses(ctx, tx, tenant, kind, id)
}

// removeUses removes the name id from every list of tenant that holds
// it; users, applications and identity and broker providers it changes
// get a new updatedAt, and each provider a change in the feed (the role's own
// change tells followers nothing of providers). It returns the ids of
// the applications it changed.
func removeUses(ctx context.Context, tx *tx, tenant, kind, id string) ([]string, error) {
	d, now := tx.d, tx.d.ts(time.Now())
	if kind == "role" {
		if _, err := tx.exec(ctx, `UPDATE users SET roles = `+d.without("roles")+`, updated_at = ?
			WHERE tenant = ? AND `+d.names("roles"), id, now, tenant, id); err != nil {
			return nil, err
		}
		for _, p := range []struct{ table, col, entity string }{
			{"identity_providers", "default_roles", domain.EntityIdentityProvider},
			{"broker_providers", "allowed_roles", domain.EntityBrokerProvider},
		} {
			ids, err := queryAll(ctx, tx, func(rows *sql.Rows, id *string) error { return rows.Scan(id) },
				`UPDATE `+p.table+` SET `+p.col+` = `+d.without(p.col)+`, updated_at = ?
					WHERE tenant = ? AND `+d.names(p.col)+` RETURNING id`, id, now, tenant, id)
			if err != nil {
				return nil, err
			}
			for _, changed := range ids {
				if err := (change{tenant, p.entity, changed}).append(ctx, tx); err != nil {
					return nil, err
				}
			}
		}
		return nil, nil
	}
	if _, err := tx.exec(ctx, `UPDATE roles SET scopes = `+d.without("scopes")+`
		WHERE tenant = ? AND `+d.names("scopes"), id, tenant, id); err != nil {
		return nil, err
	}
	return queryAll(ctx, tx, func(rows *sql.Rows, app *string) error { return rows.Scan(app) },
		`UPDATE applications SET scopes = `+d.without("scopes")+`, default_scopes = `+d.without("default_scopes")+`,
			updated_at = ? WHERE tenant = ? AND (`+d.names("scopes")+` OR `+d.names("default_scopes")+`)
			RETURNING id`, id, id, now, tenant, id, id)
}
