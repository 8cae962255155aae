package adminapi_test

import (
	"testing"

	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestSignInPostgres runs the browser sign-in admin surface on PostgreSQL
// as well (TOLLGATE_TEST_POSTGRES=1; skipped otherwise): public clients'
// empty secrets, session limits, providers' sealed secrets, sessions and
// consents go through the other dialect's columns.
func TestSignInPostgres(t *testing.T) {
	for name, test := range map[string]func(*testing.T, *env){
		"applications": testApplicationSignInAttributes,
		"tenants":      testTenantSessionAttributes,
		"providers":    testIdentityProviders,
		"sessions":     testSessionsAndConsents,
	} {
		t.Run(name, func(t *testing.T) { test(t, newEnvOn(t, pgtest.NewDatabase(t), nil)) })
	}
}
