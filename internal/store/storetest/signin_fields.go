package storetest

import (
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

// testConsents pins consents: get, replace (keeping the first CreatedAt),
// list, delete, their end with the user or the client, tenant isolation.
func testConsents(t *testing.T, s store.Store) {
	c := ctx(t)
	signinUsers(t, s)
	_, err := s.GetConsent(c, "acme", "john", "app1")
	isErr(t, err, domain.ErrNotFound)
	in := &domain.Consent{UserID: "john", ClientID: "app1", Scopes: []string{"a", "b"}, UpdatedAt: base}
	ok(t, s.PutConsent(c, "acme", in))
	eq(t, "Tenant after put", in.Tenant, "acme")
	got, err := s.GetConsent(c, "acme", "john", "app1")
	ok(t, err)
	eq(t, "Tenant", got.Tenant, "acme")
	eq(t, "UserID", got.UserID, "john")
	eq(t, "ClientID", got.ClientID, "app1")
	eqList(t, "Scopes", got.Scopes, []string{"a", "b"})
	eqTime(t, "CreatedAt", got.CreatedAt, base)
	eqTime(t, "UpdatedAt", got.UpdatedAt, base)

	t.Run("replace keeps the first CreatedAt", func(t *testing.T) {
		again := &domain.Consent{UserID: "john", ClientID: "app1", Scopes: []string{"a"},
			CreatedAt: base.Add(time.Hour), UpdatedAt: base.Add(time.Hour)}
		ok(t, s.PutConsent(c, "acme", again))
		eqTime(t, "returned CreatedAt", again.CreatedAt, base)
		got, err := s.GetConsent(c, "acme", "john", "app1")
		ok(t, err)
		eqList(t, "Scopes", got.Scopes, []string{"a"})
		eqTime(t, "CreatedAt", got.CreatedAt, base)
		eqTime(t, "UpdatedAt", got.UpdatedAt, base.Add(time.Hour))
	})
	t.Run("list", func(t *testing.T) {
		ok(t, s.PutConsent(c, "acme", &domain.Consent{UserID: "john", ClientID: "app0", Scopes: []string{}}))
		ok(t, s.PutConsent(c, "acme", &domain.Consent{UserID: "jane", ClientID: "app2", Scopes: []string{"b"}}))
		l, err := s.ListConsents(c, "acme", "john")
		ok(t, err)
		eqList(t, "clients of john", ids(l, func(x domain.Consent) string { return x.ClientID }), []string{"app0", "app1"})
		eq(t, "UserID of listed", l[1].UserID, "john")
		eq(t, "Tenant of listed", l[1].Tenant, "acme")
		eqList(t, "Scopes of listed", l[1].Scopes, []string{"a"})
		eq(t, "Scopes of app0 (not nil)", l[0].Scopes != nil && len(l[0].Scopes) == 0, true)
	})
	t.Run("unknown user or tenant", func(t *testing.T) {
		isErr(t, s.PutConsent(c, "acme", &domain.Consent{UserID: "ghost", ClientID: "app1"}), domain.ErrNotFound)
		isErr(t, s.PutConsent(c, "ghost", &domain.Consent{UserID: "john", ClientID: "app1"}), domain.ErrNotFound)
	})
	t.Run("wrong tenant", func(t *testing.T) {
		_, err := s.GetConsent(c, "other", "john", "app1")
		isErr(t, err, domain.ErrNotFound)
		l, err := s.ListConsents(c, "other", "john")
		ok(t, err)
		eq(t, "consents of john in other", len(l), 0)
		isErr(t, s.DeleteConsent(c, "other", "john", "app1"), domain.ErrNotFound)
		_, err = s.GetConsent(c, "acme", "john", "app1")
		ok(t, err)
	})
	t.Run("delete", func(t *testing.T) {
		ok(t, s.DeleteConsent(c, "acme", "john", "app0"))
		_, err := s.GetConsent(c, "acme", "john", "app0")
		isErr(t, err, domain.ErrNotFound)
		isErr(t, s.DeleteConsent(c, "acme", "john", "app0"), domain.ErrNotFound)
	})
	t.Run("deleting the user deletes their consents", func(t *testing.T) {
		ok(t, s.DeleteUser(c, "acme", "jane"))
		ok(t, s.CreateUser(c, "acme", sampleUser("jane")))
		_, err := s.GetConsent(c, "acme", "jane", "app2")
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("deleting the application deletes its consents", func(t *testing.T) {
		ok(t, s.CreateApplication(c, "acme", sampleApp("app3")))
		ok(t, s.PutConsent(c, "acme", &domain.Consent{UserID: "john", ClientID: "app3", Scopes: []string{"a"}}))
		ok(t, s.DeleteApplication(c, "acme", "app3"))
		_, err := s.GetConsent(c, "acme", "john", "app3")
		isErr(t, err, domain.ErrNotFound)
		_, err = s.GetConsent(c, "acme", "john", "app1")
		ok(t, err) // another client's stays
	})
}

// testSigninFields pins the tenant's session timeouts and the
// application's client attributes through every read and write.
func testSigninFields(t *testing.T, s store.Store) {
	c := ctx(t)
	ok(t, s.CreateTenant(c, &domain.Tenant{ID: "acme", Name: "Acme", CreatedAt: base,
		SessionIdleTimeout: 10 * time.Minute, SessionMaxAge: 8 * time.Hour}))
	newTenant(t, s, "plain")
	t.Run("tenant", func(t *testing.T) {
		got, err := s.GetTenant(c, "acme")
		ok(t, err)
		eq(t, "SessionIdleTimeout", got.SessionIdleTimeout, 10*time.Minute)
		eq(t, "SessionMaxAge", got.SessionMaxAge, 8*time.Hour)
		up, err := s.UpdateTenant(c, "acme", func(x *domain.Tenant) error {
			x.SessionIdleTimeout, x.SessionMaxAge = time.Hour, 24*time.Hour
			return nil
		})
		ok(t, err)
		eq(t, "returned SessionMaxAge", up.SessionMaxAge, 24*time.Hour)
		l, err := s.ListTenants(c, domain.Page{})
		ok(t, err)
		eqList(t, "tenants", ids(l, func(x domain.Tenant) string { return x.ID }), []string{"acme", "plain"})
		eq(t, "listed SessionIdleTimeout", l[0].SessionIdleTimeout, time.Hour)
		eq(t, "listed SessionMaxAge", l[0].SessionMaxAge, 24*time.Hour)
		eq(t, "default SessionIdleTimeout", l[1].SessionIdleTimeout, time.Duration(0))
		eq(t, "default SessionMaxAge", l[1].SessionMaxAge, time.Duration(0))
	})
	defineSamples(t, s, "acme")
	ok(t, s.CreateUser(c, "acme", sampleUser("dev")))
	check := func(t *testing.T, what string, got *domain.Application, want *domain.Application) {
		t.Helper()
		eq(t, what+" ClientType", got.ClientType, want.ClientType)
		eqList(t, what+" RedirectURIs", got.RedirectURIs, want.RedirectURIs)
		eqList(t, what+" PostLogoutRedirectURIs", got.PostLogoutRedirectURIs, want.PostLogoutRedirectURIs)
		eq(t, what+" FirstParty", got.FirstParty, want.FirstParty)
		eq(t, what+" IDTokenSigningAlg", got.IDTokenSigningAlg, want.IDTokenSigningAlg)
		eq(t, what+" Owner", got.Owner, want.Owner)
		eq(t, what+" RequireDPoP", got.RequireDPoP, want.RequireDPoP)
	}
	a := sampleApp("spa")
	a.ClientType, a.FirstParty, a.IDTokenSigningAlg, a.Owner, a.RequireDPoP = domain.ClientPublic, true, "RS256", "dev", true
	a.RedirectURIs = []string{"https://spa.example.com/cb", "http://127.0.0.1/cb"}
	a.PostLogoutRedirectURIs = []string{"https://spa.example.com/bye"}
	ok(t, s.CreateApplication(c, "acme", a))
	t.Run("application", func(t *testing.T) {
		got, err := s.GetApplication(c, "acme", "spa")
		ok(t, err)
		check(t, "get", got, a)
		got, err = s.GetApplicationByClientID(c, "spa")
		ok(t, err)
		check(t, "by client id", got, a)
		l, err := s.ListApplications(c, "acme", domain.Page{})
		ok(t, err)
		check(t, "listed", &l[0], a)
		got, err = s.SetApplicationSecret(c, "acme", "spa", []byte("new"))
		ok(t, err)
		check(t, "after a new secret", got, a)

		b := *a
		b.ClientType, b.FirstParty, b.IDTokenSigningAlg, b.Owner, b.RequireDPoP = domain.ClientConfidential, false, "", "", false
		b.RedirectURIs, b.PostLogoutRedirectURIs = []string{"https://other.example.com/cb"}, []string{}
		_, err = s.UpdateApplication(c, "acme", "spa", replaceWith(&b))
		ok(t, err)
		got, err = s.GetApplication(c, "acme", "spa")
		ok(t, err)
		check(t, "updated", got, &b)
	})
	t.Run("an application without the new attributes", func(t *testing.T) {
		ok(t, s.CreateApplication(c, "acme", sampleApp("old")))
		got, err := s.GetApplication(c, "acme", "old")
		ok(t, err)
		check(t, "defaults", got, &domain.Application{ClientType: domain.ClientConfidential,
			RedirectURIs: []string{}, PostLogoutRedirectURIs: []string{}})
		if got.RedirectURIs == nil || got.PostLogoutRedirectURIs == nil {
			t.Fatal("empty URI lists read back nil, want []")
		}
	})
	t.Run("deleting the owner keeps the application", func(t *testing.T) {
		_, err := s.UpdateApplication(c, "acme", "spa", func(x *domain.Application) error { x.Owner = "dev"; return nil })
		ok(t, err)
		ok(t, s.DeleteUser(c, "acme", "dev"))
		got, err := s.GetApplication(c, "acme", "spa")
		ok(t, err)
		eq(t, "Owner", got.Owner, "dev")
	})
}
