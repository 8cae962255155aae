package storetest

import (
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store"
)

func sampleBroker(id string) *domain.BrokerProvider {
	return &domain.BrokerProvider{ID: id, TokenURL: "https://login.example.com/{tenantId}/oauth2/token",
		UpstreamTenant: "contoso", GrantType: domain.BrokerGrantPassword, ClientID: "app-" + id,
		SealedClientSecret: []byte("sealed-secret-" + id), Username: "svc@contoso.example",
		SealedPassword: []byte("sealed-password-" + id), Resource: "https://analysis.example.com/api",
		Scopes: []string{"a", "b"}, AllowedRoles: []string{"reader"}, RefreshBefore: 7 * time.Minute,
		ByOperator: true, CreatedAt: base, UpdatedAt: base}
}

// brokerFeed is the change feed after pos, as "tenant entity id" lines.
func brokerFeed(t *testing.T, s store.Store, pos int64) []string {
	t.Helper()
	changes, err := s.ChangesSince(ctx(t), pos, 0)
	ok(t, err)
	var feed []string
	for _, ch := range changes {
		feed = append(feed, ch.Tenant+" "+ch.Entity+" "+ch.ID)
	}
	return feed
}

func feedPos(t *testing.T, s store.Store) int64 {
	t.Helper()
	pos, err := s.FeedPosition(ctx(t))
	ok(t, err)
	return pos
}

// testBrokerProviders pins broker providers: CRUD, the write-only secrets
// kept by updates, one default per tenant, allowed roles checked and
// counted as uses, the change feed and tenant isolation.
func testBrokerProviders(t *testing.T, s store.Store) {
	c := ctx(t)
	signinUsers(t, s)
	pos := feedPos(t, s)
	in := sampleBroker("powerbi")
	ok(t, s.CreateBrokerProvider(c, "acme", in))
	eq(t, "Tenant after create", in.Tenant, "acme")
	eqList(t, "changes", brokerFeed(t, s, pos), []string{"acme broker_provider powerbi"})
	got, err := s.GetBrokerProvider(c, "acme", "powerbi")
	ok(t, err)
	eq(t, "Tenant", got.Tenant, "acme")
	eq(t, "ID", got.ID, "powerbi")
	eq(t, "TokenURL", got.TokenURL, "https://login.example.com/{tenantId}/oauth2/token")
	eq(t, "UpstreamTenant", got.UpstreamTenant, "contoso")
	eq(t, "GrantType", got.GrantType, domain.BrokerGrantPassword)
	eq(t, "ClientID", got.ClientID, "app-powerbi")
	eq(t, "SealedClientSecret", string(got.SealedClientSecret), "sealed-secret-powerbi")
	eq(t, "Username", got.Username, "svc@contoso.example")
	eq(t, "SealedPassword", string(got.SealedPassword), "sealed-password-powerbi")
	eq(t, "Resource", got.Resource, "https://analysis.example.com/api")
	eqList(t, "Scopes", got.Scopes, []string{"a", "b"})
	eqList(t, "AllowedRoles", got.AllowedRoles, []string{"reader"})
	eq(t, "RefreshBefore", got.RefreshBefore, 7*time.Minute)
	eq(t, "Default", got.Default, false)
	eq(t, "ByOperator", got.ByOperator, true)
	eqTime(t, "CreatedAt", got.CreatedAt, base)
	eqTime(t, "UpdatedAt", got.UpdatedAt, base)
	_, err = s.GetDefaultBrokerProvider(c, "acme")
	isErr(t, err, domain.ErrNotFound)

	t.Run("no password", func(t *testing.T) {
		p := sampleBroker("cc")
		p.GrantType, p.Username, p.SealedPassword = domain.BrokerGrantClientCredentials, "", nil
		ok(t, s.CreateBrokerProvider(c, "acme", p))
		got, err := s.GetBrokerProvider(c, "acme", "cc")
		ok(t, err)
		if got.SealedPassword != nil {
			t.Fatalf("SealedPassword = %q, want nil", got.SealedPassword)
		}
		ok(t, s.DeleteBrokerProvider(c, "acme", "cc"))
	})
	t.Run("create refusals", func(t *testing.T) {
		isErr(t, s.CreateBrokerProvider(c, "acme", sampleBroker("powerbi")), domain.ErrConflict)
		isErr(t, s.CreateBrokerProvider(c, "ghost", sampleBroker("powerbi")), domain.ErrNotFound)
		bad := sampleBroker("bad")
		bad.AllowedRoles = []string{"reader", "no-such-role"}
		invalidOn(t, s.CreateBrokerProvider(c, "acme", bad), "allowedRoles", "no-such-role")
		_, err := s.GetBrokerProvider(c, "acme", "bad")
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("update keeps the secrets fn leaves nil and drops the token", func(t *testing.T) {
		putBrokerToken(t, s, "acme", "powerbi", "tok-1", base.Add(time.Hour))
		before := time.Now().Add(-time.Second)
		up, err := s.UpdateBrokerProvider(c, "acme", "powerbi", func(p *domain.BrokerProvider) error {
			p.Resource, p.SealedClientSecret, p.SealedPassword, p.AllowedRoles = "https://other.example.com", nil, nil, nil
			p.ID, p.CreatedAt = "renamed", base.Add(time.Hour) // both kept
			return nil
		})
		ok(t, err)
		eq(t, "returned SealedClientSecret", string(up.SealedClientSecret), "sealed-secret-powerbi")
		got, err := s.GetBrokerProvider(c, "acme", "powerbi")
		ok(t, err)
		eq(t, "Resource", got.Resource, "https://other.example.com")
		eq(t, "SealedClientSecret", string(got.SealedClientSecret), "sealed-secret-powerbi")
		eq(t, "SealedPassword", string(got.SealedPassword), "sealed-password-powerbi")
		eq(t, "AllowedRoles", len(got.AllowedRoles), 0)
		eqTime(t, "CreatedAt", got.CreatedAt, base)
		if got.UpdatedAt.Before(before) {
			t.Fatalf("UpdatedAt = %v, want the time of the update", got.UpdatedAt)
		}
		_, err = s.GetBrokerToken(c, "acme", "powerbi")
		isErr(t, err, domain.ErrNotFound)
		_, err = s.UpdateBrokerProvider(c, "acme", "powerbi", func(p *domain.BrokerProvider) error {
			p.SealedClientSecret, p.SealedPassword, p.AllowedRoles = []byte("s2"), []byte("p2"), []string{"reader"}
			return nil
		})
		ok(t, err)
		got, err = s.GetBrokerProvider(c, "acme", "powerbi")
		ok(t, err)
		eq(t, "new SealedClientSecret", string(got.SealedClientSecret), "s2")
		eq(t, "new SealedPassword", string(got.SealedPassword), "p2")
	})
	t.Run("update refusals write nothing", func(t *testing.T) {
		putBrokerToken(t, s, "acme", "powerbi", "tok-2", base.Add(time.Hour))
		_, err := s.UpdateBrokerProvider(c, "acme", "powerbi", func(p *domain.BrokerProvider) error {
			p.Resource, p.AllowedRoles = "nope", []string{"no-such-role"}
			return nil
		})
		invalidOn(t, err, "allowedRoles", "no-such-role")
		got, err := s.GetBrokerProvider(c, "acme", "powerbi")
		ok(t, err)
		eq(t, "Resource", got.Resource, "https://other.example.com")
		_, err = s.GetBrokerToken(c, "acme", "powerbi")
		ok(t, err)
		_, err = s.UpdateBrokerProvider(c, "acme", "ghost", func(*domain.BrokerProvider) error { return nil })
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("one default per tenant", func(t *testing.T) {
		a, b, o := sampleBroker("def-a"), sampleBroker("def-b"), sampleBroker("def-other")
		a.Default, b.Default, o.Default = true, true, true
		ok(t, s.CreateBrokerProvider(c, "acme", a))
		ok(t, s.CreateBrokerProvider(c, "other", o)) // another tenant's default stays
		pos := feedPos(t, s)
		ok(t, s.CreateBrokerProvider(c, "acme", b))
		eqList(t, "changes", brokerFeed(t, s, pos), []string{"acme broker_provider def-a", "acme broker_provider def-b"})
		defaultIs(t, s, "acme", "def-b")
		got, err := s.GetBrokerProvider(c, "acme", "def-a")
		ok(t, err)
		eq(t, "def-a Default", got.Default, false)
		eqTime(t, "def-a UpdatedAt", got.UpdatedAt, base) // its settings did not change
		_, err = s.UpdateBrokerProvider(c, "acme", "def-a", func(p *domain.BrokerProvider) error {
			p.Default = true
			return nil
		})
		ok(t, err)
		defaultIs(t, s, "acme", "def-a")
		defaultIs(t, s, "other", "def-other")
		l, err := s.ListBrokerProviders(c, "acme", domain.Page{})
		ok(t, err)
		n := 0
		for _, p := range l {
			if p.Default {
				n++
			}
		}
		eq(t, "defaults in the list", n, 1)
		ok(t, s.DeleteBrokerProvider(c, "acme", "def-a"))
		_, err = s.GetDefaultBrokerProvider(c, "acme")
		isErr(t, err, domain.ErrNotFound)
		ok(t, s.DeleteBrokerProvider(c, "acme", "def-b"))
	})
	t.Run("paging", func(t *testing.T) {
		testPaging(t, "bp", 7, []string{"powerbi"}, func(id string) error {
			return s.CreateBrokerProvider(c, "acme", sampleBroker(id))
		}, func(p domain.Page) ([]string, error) {
			l, err := s.ListBrokerProviders(c, "acme", p)
			return ids(l, func(x domain.BrokerProvider) string { return x.ID }), err
		})
	})
	t.Run("wrong tenant", func(t *testing.T) {
		_, err := s.GetBrokerProvider(c, "other", "powerbi")
		isErr(t, err, domain.ErrNotFound)
		l, err := s.ListBrokerProviders(c, "other", domain.Page{})
		ok(t, err)
		eqList(t, "providers of other", ids(l, func(x domain.BrokerProvider) string { return x.ID }), []string{"def-other"})
		_, err = s.UpdateBrokerProvider(c, "other", "powerbi", func(*domain.BrokerProvider) error { return nil })
		isErr(t, err, domain.ErrNotFound)
		isErr(t, s.DeleteBrokerProvider(c, "other", "powerbi"), domain.ErrNotFound)
		_, err = s.GetBrokerToken(c, "other", "powerbi")
		isErr(t, err, domain.ErrNotFound)
		_, err = s.ClaimBrokerRefresh(c, "other", "powerbi", base.Add(time.Minute), base)
		isErr(t, err, domain.ErrNotFound)
	})
	t.Run("an allowed role is in use", func(t *testing.T) {
		defineRoles(t, s, "acme", "analyst")
		p := sampleBroker("uses")
		p.AllowedRoles = []string{"reader", "analyst"}
		ok(t, s.CreateBrokerProvider(c, "acme", p))
		inUse(t, s.DeleteRole(c, "acme", "analyst", false), "role", "analyst", domain.Uses{BrokerProviders: 1})
		pos := feedPos(t, s)
		ok(t, s.DeleteRole(c, "acme", "analyst", true))
		got, err := s.GetBrokerProvider(c, "acme", "uses")
		ok(t, err)
		eqList(t, "AllowedRoles after forced delete", got.AllowedRoles, []string{"reader"})
		eqList(t, "changes", brokerFeed(t, s, pos), []string{"acme broker_provider uses", "acme role analyst"})
	})
	t.Run("delete", func(t *testing.T) {
		putBrokerToken(t, s, "acme", "uses", "tok", base.Add(time.Hour))
		pos := feedPos(t, s)
		ok(t, s.DeleteBrokerProvider(c, "acme", "uses"))
		eqList(t, "changes", brokerFeed(t, s, pos), []string{"acme broker_provider uses"})
		_, err := s.GetBrokerProvider(c, "acme", "uses")
		isErr(t, err, domain.ErrNotFound)
		_, err = s.GetBrokerToken(c, "acme", "uses")
		isErr(t, err, domain.ErrNotFound)
		isErr(t, s.DeleteBrokerProvider(c, "acme", "uses"), domain.ErrNotFound)
	})
}

func defaultIs(t *testing.T, s store.Store, tenant, want string) {
	t.Helper()
	got, err := s.GetDefaultBrokerProvider(ctx(t), tenant)
	ok(t, err)
	eq(t, tenant+"'s default", got.ID, want)
	eq(t, "Default", got.Default, true)
}
