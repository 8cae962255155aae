package sqlstore

import (
	"path/filepath"
	"strings"
	"testing"
)

// TestOpsStatsUseIndexes guards the plans of the console's summaries: each
// reads only its tenant's range of a primary key or index, never a table.
// (The refusals are grouped in a temporary tree: a few rows per hour.
// Applications are counted through whichever index on tenant is smaller:
// the owner index since migration 0019.)
func TestOpsStatsUseIndexes(t *testing.T) {
	s, err := Open(t.Context(), filepath.Join(t.TempDir(), "t.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	for q, want := range map[string][]string{
		`SELECT action, reason, SUM(n) FROM refusal_counts WHERE tenant = 'a' AND hour >= 0 AND hour < 9 GROUP BY action, reason`: {
			"USING INDEX sqlite_autoindex_refusal_counts_1 (tenant=? AND hour>? AND hour<?)"},
		`SELECT client_id, COUNT(*) FROM app_users WHERE tenant = 'a' AND client_id > '' GROUP BY client_id ORDER BY client_id LIMIT 5`: {
			"USING COVERING INDEX sqlite_autoindex_app_users_1 (tenant=? AND client_id>?)"},
		`SELECT (SELECT COUNT(*) FROM users WHERE tenant = 'a'), (SELECT COUNT(*) FROM applications WHERE tenant = 'a'),
			(SELECT COUNT(*) FROM apis WHERE tenant = 'a')`: {
			"INDEX sqlite_autoindex_users_1 (tenant=?)", "SEARCH applications USING COVERING INDEX", "INDEX sqlite_autoindex_apis_1 (tenant=?)"},
		`SELECT COUNT(*), COUNT(CASE WHEN last_used_at >= 5 THEN 1 END) FROM api_tokens WHERE tenant = 'a'`: {
			"INDEX api_tokens_hash (tenant=?)"},
	} {
		plan := sqlitePlan(t, s, q)
		for _, w := range want {
			if !strings.Contains(plan, w) {
				t.Errorf("plan for %s:\n%s\nwant %q", q, plan, w)
			}
		}
		// Users per application must stream groups in key order, so a
		// page stops after its applications instead of grouping them all.
		if strings.Contains(q, "app_users") && strings.Contains(plan, "TEMP B-TREE") {
			t.Errorf("plan for %s groups in a temporary tree:\n%s", q, plan)
		}
	}
}
