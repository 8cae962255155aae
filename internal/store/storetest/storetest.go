// Package storetest is the conformance suite for store.Store: every
// implementation runs it from a short test (Dex's storage/conformance
// style). It pins CRUD semantics, error values, paging, atomic operations
// under concurrency, tenant isolation and expiry cleanup.
package storetest

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// Run runs the suite. open must return an empty store and arrange for it to
// be closed when t ends; it is called once per top-level group.
func Run(t *testing.T, open func(t *testing.T) store.Store) {
	groups := []struct {
		name string
		fn   func(t *testing.T, s store.Store)
	}{
		{"Tenants", testTenants},
		{"Scopes", testScopes},
		{"Roles", testRoles},
		{"Users", testUsers},
		{"Applications", testApplications},
		{"Settings", testSettings},
		{"RefreshTokens", testRefreshTokens},
		{"RefreshGrace", testRefreshGrace}, // in refresh_grace.go
		{"Revocations", testRevocations},
		{"SigningKeys", testSigningKeys},
		{"SigningKeyUses", testSigningKeyUses}, // in keyuses.go
		{"ScheduledKeys", testScheduledKeys},   // automatic rotation, in keyschedule.go
		{"Atomic", testAtomic},                 // in atomic.go
		{"DeleteExpired", testDeleteExpired},
		{"APITokenPurge", testAPITokenPurge}, // in apitokens_purge.go
		{"DeleteTenant", testDeleteTenant},
		{"TenantIsolation", testTenantIsolation},
		{"Concurrency", testConcurrency},
		{"Audit", testAudit},
		{"Stats", testStats},
		{"OpsStats", testOpsStats}, // the console's summaries, in opsstats.go
		{"APITokens", testAPITokens},
		{"EmbedSettings", testEmbedSettings},
		{"EmbedNonces", testEmbedNonces},
		{"UpsertUsers", testUpsertUsers},
		{"ImportedHash", testImportedHash}, // in importedhash.go
		{"APIs", testAPIs},
		{"LoginFailures", testLoginFailures},           // in loginfailures.go
		{"Updates", testUpdates},                       // compare-and-swap, in updates.go
		{"GatewayCredentials", testGatewayCredentials}, // in gatewaycreds.go
		{"References", testReferences},                 // in refs.go
		{"Changes", testChanges},                       // in changes.go
		{"Sessions", testSessions},                     // browser sign-in, in signin.go
		{"AuthCodes", testAuthCodes},
		{"Consents", testConsents}, // in signin_fields.go
		{"SigninFields", testSigninFields},
		{"IdentityProviders", testIdentityProviders}, // in signin_idp.go
		{"FederatedIdentities", testFederatedIdentities},
		{"BrokerProviders", testBrokerProviders}, // in broker.go
		{"BrokerTokens", testBrokerTokens},       // in broker_tokens.go
	}
	for _, g := range groups {
		t.Run(g.name, func(t *testing.T) { g.fn(t, open(t)) })
	}
}

// base is a fixed, second-aligned instant so stored times compare exactly.
var base = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)

func ctx(t *testing.T) context.Context { return t.Context() }

func ok(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatalf("unexpected error: %v", err)
	}
}

// isErr fails unless err wraps want.
func isErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("got error %v, want %v", err, want)
	}
}

func eq[T comparable](t *testing.T, what string, got, want T) {
	t.Helper()
	if got != want {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func eqList(t *testing.T, what string, got, want []string) {
	t.Helper()
	if !slices.Equal(got, want) {
		t.Fatalf("%s = %q, want %q", what, got, want)
	}
}

func eqTime(t *testing.T, what string, got, want time.Time) {
	t.Helper()
	if !got.Equal(want) {
		t.Fatalf("%s = %v, want %v", what, got, want)
	}
}

func newTenant(t *testing.T, s store.Store, id string) {
	t.Helper()
	ok(t, s.CreateTenant(ctx(t), &domain.Tenant{ID: id, Name: "Tenant " + id, CreatedAt: base}))
}

// defineSamples creates what sampleUser and sampleApp name, role reader
// and scopes a and b: the store refuses names the tenant lacks.
func defineSamples(t *testing.T, s store.Store, tenant string) {
	t.Helper()
	defineScopes(t, s, tenant, "a", "b")
	defineRoles(t, s, tenant, "reader")
}

func defineScopes(t *testing.T, s store.Store, tenant string, ids ...string) {
	t.Helper()
	for _, id := range ids {
		ok(t, s.CreateScope(ctx(t), tenant, &domain.Scope{ID: id}))
	}
}

// defineRoles creates roles holding no scopes.
func defineRoles(t *testing.T, s store.Store, tenant string, ids ...string) {
	t.Helper()
	for _, id := range ids {
		ok(t, s.CreateRole(ctx(t), tenant, &domain.Role{ID: id}))
	}
}

// ids extracts IDs for paging assertions.
func ids[T any](xs []T, id func(T) string) []string {
	out := make([]string, len(xs))
	for i, x := range xs {
		out[i] = id(x)
	}
	return out
}

// testPaging creates n records named fmt.Sprintf("%s%02d") through create
// and pages through them with list, which returns their IDs.
func testPaging(t *testing.T, prefix string, n int, existing []string,
	create func(id string) error, list func(p domain.Page) ([]string, error)) {
	t.Helper()
	want := slices.Clone(existing)
	for i := range n {
		id := fmt.Sprintf("%s%02d", prefix, i)
		ok(t, create(id))
		want = append(want, id)
	}
	slices.Sort(want)
	var got []string
	after := ""
	for range len(want) + 1 {
		page, err := list(domain.Page{After: after, Limit: 3})
		ok(t, err)
		if len(page) > 3 {
			t.Fatalf("page of %d rows with Limit 3", len(page))
		}
		if len(page) == 0 {
			break
		}
		got = append(got, page...)
		after = page[len(page)-1]
	}
	eqList(t, "paged ids", got, want)
	all, err := list(domain.Page{})
	ok(t, err)
	eqList(t, "Limit 0 (default 100)", all, want)
}
