package admin

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/importer"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/store/sqlstore"
	"github.com/tollgate-dev/tollgate/internal/throttle"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// The callers of the permission matrix: every kind of principal the
// admin API meets, each named as the cases are.
var principals = []struct {
	name string
	p    Principal
}{
	{"bootstrap", Principal{Bootstrap: true}},
	{"tenant admin", Principal{Tenant: "acme", Subject: "alice", Scopes: []string{domain.AdminScope}}},
	{"user", Principal{Tenant: "acme", Subject: "bob", Scopes: []string{"orders:read"}}},
	{"gateway credential", Principal{GatewayCredential: "edge"}},
	{"other tenant's admin", Principal{Tenant: "other", Subject: "alice", Scopes: []string{domain.AdminScope}}},
	// The same user name in another tenant is another user.
	{"other tenant's user", Principal{Tenant: "other", Subject: "bob", Scopes: []string{"orders:read"}}},
}

// Who may perform each kind of use case; everyone else gets ErrForbidden.
var (
	bootstrapOnly = []string{"bootstrap"}
	feedReaders   = []string{"bootstrap", "gateway credential"}
	tenantAdmins  = []string{"bootstrap", "tenant admin"}
	selfOrAdmins  = []string{"bootstrap", "tenant admin", "user"}
)

// fixture is a Service over its own SQLite store, a copy of the seed.
type fixture struct {
	svc   *Service
	appID string
	close func() error
}

// seed is a closed SQLite database holding tenants default, acme and
// other; in acme (besides the admin scope and role every tenant gets) the
// scopes orders:read and spare, the roles reader and spare, the users
// alice (admin), bob (reader) and carol, an application, the API "orders"
// and bob's API token "laptop", the identity provider "corp", a session
// each of bob and carol ("s-bob", "s-carol") and bob's consent to the
// application; in other a user bob; and the gateway credential "edge". Fixtures copy it: seeding each anew would take most
// of the test's time.
type seed struct {
	path  string
	appID string
}

func newSeed(t *testing.T) seed {
	t.Helper()
	ctx := t.Context()
	path := filepath.Join(t.TempDir(), "seed.db")
	f := openFixture(t, path)
	boot := Principal{Bootstrap: true}
	svc := f.svc
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, id := range []string{domain.DefaultTenant, "acme", "other"} {
		must(svc.CreateTenant(ctx, boot, &domain.Tenant{ID: id, Name: id}))
	}
	must(svc.CreateScope(ctx, boot, "acme", &domain.Scope{ID: "orders:read"}))
	must(svc.CreateScope(ctx, boot, "acme", &domain.Scope{ID: "spare"}))
	must(svc.CreateRole(ctx, boot, "acme", &domain.Role{ID: "spare"}))
	must(svc.CreateRole(ctx, boot, "acme", &domain.Role{ID: "reader", Scopes: []string{"orders:read"}}))
	must(svc.CreateUser(ctx, boot, "acme", &domain.User{ID: "alice", Roles: []string{domain.AdminRole}}, ""))
	must(svc.CreateUser(ctx, boot, "acme", &domain.User{ID: "bob", Roles: []string{"reader"}}, ""))
	must(svc.CreateUser(ctx, boot, "acme", &domain.User{ID: "carol"}, ""))
	must(svc.CreateUser(ctx, boot, "other", &domain.User{ID: "bob"}, ""))
	app, _, err := svc.CreateApplication(ctx, boot, "acme", ApplicationPatch{Name: ptr("shop"), Scopes: &[]string{"orders:read"}})
	must(err)
	must(svc.CreateAPI(ctx, boot, "acme", &domain.API{ID: "orders", Context: "/orders", Upstream: "http://8.8.8.8:8080",
		Resources: []domain.APIResource{{Method: "GET", Path: "/items", Scopes: []string{"orders:read"}}}}))
	_, _, err = svc.CreateAPIToken(ctx, boot, "acme", "bob", APITokenSpec{ID: "laptop"})
	must(err)
	_, _, err = svc.CreateGatewayCredential(ctx, boot, "edge", "")
	must(err)
	seedSignIn(t, svc, app.ID)
	must(f.close())
	return seed{path: path, appID: app.ID}
}

// newFixture opens a copy of s.
func newFixture(t *testing.T, s seed) *fixture {
	t.Helper()
	b, err := os.ReadFile(s.path)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "tollgate.db")
	if err := os.WriteFile(path, b, 0o600); err != nil {
		t.Fatal(err)
	}
	f := openFixture(t, path)
	t.Cleanup(func() { f.close() })
	f.appID = s.appID
	return f
}

func openFixture(t *testing.T, path string) *fixture {
	t.Helper()
	st, err := sqlstore.Open(t.Context(), path)
	if err != nil {
		t.Fatal(err)
	}
	sealer, err := secret.NewSealer(bytes.Repeat([]byte{7}, 32))
	if err != nil {
		t.Fatal(err)
	}
	kr, err := token.NewKeyring(st, sealer, "http://tollgate.test", "")
	if err != nil {
		t.Fatal(err)
	}
	svc := NewService(Config{Store: st, Hasher: secret.NewHasher(secret.Params{Memory: 64, Time: 1, Threads: 1}, 2, time.Second),
		Keyring: kr, Sealer: sealer, Limiter: throttle.New(st, throttle.Limits{})})
	return &fixture{svc: svc, close: st.Close}
}

func ptr[T any](v T) *T { return &v }

// TestPermissionMatrix runs every use case as every kind of principal:
// those allowed succeed (on a fixture of their own), all others get
// ErrForbidden (and share one fixture, which they must leave as it was
// for the next).
func TestPermissionMatrix(t *testing.T) {
	page := domain.Page{}
	csv := func() importer.Source {
		src, err := importer.NewCSVSource(strings.NewReader("username,email\ndave,dave@example.com\n"))
		if err != nil {
			t.Fatal(err)
		}
		return src
	}
	sd := newSeed(t)
	useCases := []struct {
		name    string
		allowed []string
		run     func(ctx context.Context, f *fixture, p Principal) error
	}{
		// Tenants and gateway credentials span tenants.
		{"CreateTenant", bootstrapOnly, func(ctx context.Context, f *fixture, p Principal) error {
			return f.svc.CreateTenant(ctx, p, &domain.Tenant{ID: "newco", Name: "NewCo"})
		}},
		{"GetTenant", bootstrapOnly, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.GetTenant(ctx, p, "acme")
			return err
		}},
		{"ListTenants", bootstrapOnly, func(ctx context.Context, f *fixture, p Principal) error {
			_, _, err := f.svc.ListTenants(ctx, p, page)
			return err
		}},
		{"UpdateTenant", bootstrapOnly, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.UpdateTenant(ctx, p, "acme", TenantPatch{Name: ptr("Acme Inc")})
			return err
		}},
		{"DeleteTenant", bootstrapOnly, func(ctx context.Context, f *fixture, p Principal) error {
			return f.svc.DeleteTenant(ctx, p, "other")
		}},
		{"CreateGatewayCredential", bootstrapOnly, func(ctx context.Context, f *fixture, p Principal) error {
			_, _, err := f.svc.CreateGatewayCredential(ctx, p, "edge2", "")
			return err
		}},
		{"GetGatewayCredential", bootstrapOnly, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.GetGatewayCredential(ctx, p, "edge")
			return err
		}},
		{"ListGatewayCredentials", bootstrapOnly, func(ctx context.Context, f *fixture, p Principal) error {
			_, _, err := f.svc.ListGatewayCredentials(ctx, p, page)
			return err
		}},
		{"DeleteGatewayCredential", bootstrapOnly, func(ctx context.Context, f *fixture, p Principal) error {
			return f.svc.DeleteGatewayCredential(ctx, p, "edge")
		}},

		// The gateway feed.
		{"GatewayAPIs", feedReaders, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.GatewayAPIs(ctx, p)
			return err
		}},
		{"GatewayKeys", feedReaders, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.GatewayKeys(ctx, p, "acme")
			return err
		}},
		{"GatewayRevocations", feedReaders, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.GatewayRevocations(ctx, p, 0, 10, 0)
			return err
		}},
		// Changes name every tenant's entities: the feed's readers only.
		{"GatewayChanges", feedReaders, func(ctx context.Context, f *fixture, p Principal) error {
			_, _, err := f.svc.GatewayChanges(ctx, p, 0, 10, 0)
			return err
		}},
		{"GatewayFeedPosition", feedReaders, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.GatewayFeedPosition(ctx, p)
			return err
		}},

		// A tenant's own administration.
		{"CreateScope", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			return f.svc.CreateScope(ctx, p, "acme", &domain.Scope{ID: "orders:write"})
		}},
		{"GetScope", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.GetScope(ctx, p, "acme", "orders:read")
			return err
		}},
		{"ListScopes", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, _, err := f.svc.ListScopes(ctx, p, "acme", page)
			return err
		}},
		{"UpdateScope", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.UpdateScope(ctx, p, "acme", "orders:read", ScopePatch{Description: ptr("Read orders")})
			return err
		}},
		{"DeleteScope", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			return f.svc.DeleteScope(ctx, p, "acme", "spare", false)
		}},
		{"CreateRole", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			return f.svc.CreateRole(ctx, p, "acme", &domain.Role{ID: "auditor", Scopes: []string{"orders:read"}})
		}},
		{"GetRole", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.GetRole(ctx, p, "acme", "reader")
			return err
		}},
		{"ListRoles", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, _, err := f.svc.ListRoles(ctx, p, "acme", page)
			return err
		}},
		{"UpdateRole", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.UpdateRole(ctx, p, "acme", "reader", RolePatch{Scopes: &[]string{}})
			return err
		}},
		{"DeleteRole", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			return f.svc.DeleteRole(ctx, p, "acme", "spare", false)
		}},
		{"CreateUser", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			return f.svc.CreateUser(ctx, p, "acme", &domain.User{ID: "dave", Roles: []string{"reader"}}, "")
		}},
		{"ListUsers", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, _, err := f.svc.ListUsers(ctx, p, "acme", page)
			return err
		}},
		{"UpdateUser", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.UpdateUser(ctx, p, "acme", "bob", UserPatch{Roles: &[]string{domain.AdminRole}})
			return err
		}},
		{"UpdateUser of oneself", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.UpdateUser(ctx, p, "acme", "bob", UserPatch{DisplayName: ptr("Bob")})
			return err
		}},
		{"DeleteUser", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			return f.svc.DeleteUser(ctx, p, "acme", "carol")
		}},
		{"UnlockUser", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			return f.svc.UnlockUser(ctx, p, "acme", "bob")
		}},
		{"ImportUsers", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.ImportUsers(ctx, p, "acme", domain.SourceCSV, csv(), nil)
			return err
		}},
		{"CreateApplication", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, _, err := f.svc.CreateApplication(ctx, p, "acme", ApplicationPatch{Name: ptr("portal")})
			return err
		}},
		{"GetApplication", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.GetApplication(ctx, p, "acme", f.appID)
			return err
		}},
		{"ListApplications", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, _, err := f.svc.ListApplications(ctx, p, "acme", page)
			return err
		}},
		{"UpdateApplication", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.UpdateApplication(ctx, p, "acme", f.appID, ApplicationPatch{Name: ptr("Shop")})
			return err
		}},
		{"RotateApplicationSecret", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, _, err := f.svc.RotateApplicationSecret(ctx, p, "acme", f.appID)
			return err
		}},
		{"DeleteApplication", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			return f.svc.DeleteApplication(ctx, p, "acme", f.appID)
		}},
		{"ApplicationUsers", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, _, _, err := f.svc.ApplicationUsers(ctx, p, "acme", f.appID, page)
			return err
		}},
		{"CreateAPI", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			return f.svc.CreateAPI(ctx, p, "acme", &domain.API{ID: "billing", Context: "/billing", Upstream: "http://8.8.4.4:8080",
				Resources: []domain.APIResource{{Method: "GET", Path: "/invoices"}}})
		}},
		{"GetAPI", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.GetAPI(ctx, p, "acme", "orders")
			return err
		}},
		{"ListAPIs", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, _, err := f.svc.ListAPIs(ctx, p, "acme", page)
			return err
		}},
		{"UpdateAPI", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.UpdateAPI(ctx, p, "acme", "orders", APIPatch{Context: ptr("/orders/v2")})
			return err
		}},
		{"DeleteAPI", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			return f.svc.DeleteAPI(ctx, p, "acme", "orders")
		}},
		{"GetEmbedSettings", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.GetEmbedSettings(ctx, p, "acme")
			return err
		}},
		{"UpdateEmbedSettings", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.UpdateEmbedSettings(ctx, p, "acme", EmbedPatch{Scopes: &[]string{"orders:read"}})
			return err
		}},
		{"RegenerateEmbedSecret", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, _, err := f.svc.RegenerateEmbedSecret(ctx, p, "acme")
			return err
		}},
		{"RotateSigningKey", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			return f.svc.RotateSigningKey(ctx, p, "acme", "")
		}},
		{"ListAudit", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, _, err := f.svc.ListAudit(ctx, p, "acme", domain.AuditFilter{})
			return err
		}},
		{"TokenCounts", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			now := time.Now()
			_, err := f.svc.TokenCounts(ctx, p, "acme", now.Add(-24*time.Hour), now, time.Hour)
			return err
		}},

		// A user's own record and API tokens.
		{"GetUser of oneself", selfOrAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.GetUser(ctx, p, "acme", "bob")
			return err
		}},
		{"GetUser of another", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.GetUser(ctx, p, "acme", "carol")
			return err
		}},
		{"CreateAPIToken for oneself", selfOrAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, _, err := f.svc.CreateAPIToken(ctx, p, "acme", "bob", APITokenSpec{ID: "ci"})
			return err
		}},
		{"CreateAPIToken for another", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, _, err := f.svc.CreateAPIToken(ctx, p, "acme", "carol", APITokenSpec{ID: "ci"})
			return err
		}},
		{"GetAPIToken of oneself", selfOrAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, err := f.svc.GetAPIToken(ctx, p, "acme", "bob", "laptop")
			return err
		}},
		{"ListAPITokens of oneself", selfOrAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, _, err := f.svc.ListAPITokens(ctx, p, "acme", "bob", page)
			return err
		}},
		{"ListAPITokens of another", tenantAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			_, _, err := f.svc.ListAPITokens(ctx, p, "acme", "carol", page)
			return err
		}},
		{"DeleteAPIToken of oneself", selfOrAdmins, func(ctx context.Context, f *fixture, p Principal) error {
			return f.svc.DeleteAPIToken(ctx, p, "acme", "bob", "laptop")
		}},
	}
	useCases = append(useCases, signInUseCases(t)...)
	for _, uc := range useCases {
		t.Run(uc.name, func(t *testing.T) {
			refused := newFixture(t, sd) // shared by the principals refused
			for _, pr := range principals {
				t.Run(pr.name, func(t *testing.T) {
					if slices.Contains(uc.allowed, pr.name) {
						if err := uc.run(t.Context(), newFixture(t, sd), pr.p); err != nil {
							t.Fatalf("allowed, but: %v", err)
						}
						return
					}
					if err := uc.run(t.Context(), refused, pr.p); !errors.Is(err, ErrForbidden) {
						t.Fatalf("got %v, want ErrForbidden", err)
					}
				})
			}
		})
	}
}
