package admin

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/gateway/upstream"
)

// powerBI is the attributes of the Power BI sample's provider.
func powerBI() BrokerProviderPatch {
	return BrokerProviderPatch{TokenURL: ptr("https://login.microsoftonline.com/{tenantId}/oauth2/token"),
		UpstreamTenant: ptr("contoso.onmicrosoft.com"), ClientID: ptr("app"), ClientSecret: ptr("s3cret-value"),
		Resource: ptr("https://analysis.windows.net/powerbi/api")}
}

func TestCreateBrokerProvider(t *testing.T) {
	f := newFixture(t, newSeed(t))
	ctx := context.Background()
	attrs := powerBI()
	attrs.GrantType, attrs.Username, attrs.Password = ptr(domain.BrokerGrantPassword), ptr("svc@contoso"), ptr("pa55word")
	attrs.AllowedRoles, attrs.Default = &[]string{"reader"}, ptr(true)
	x, err := f.svc.CreateBrokerProvider(ctx, boot, "acme", "powerbi", attrs)
	if err != nil {
		t.Fatal(err)
	}
	if x.RefreshBefore != domain.DefaultBrokerRefreshBefore || !x.ByOperator || !x.Default ||
		x.TokenEndpoint() != "https://login.microsoftonline.com/contoso.onmicrosoft.com/oauth2/token" {
		t.Errorf("created %+v", x)
	}
	stored, err := f.svc.store.GetBrokerProvider(ctx, "acme", "powerbi")
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		sealed        []byte
		context, want string
	}{{stored.SealedClientSecret, domain.BrokerSealClientSecret, "s3cret-value"},
		{stored.SealedPassword, domain.BrokerSealPassword, "pa55word"}} {
		if bytes.Contains(s.sealed, []byte(s.want)) {
			t.Fatalf("%s stored in clear", s.context)
		}
		if b, err := f.svc.sealer.Open(s.sealed, domain.BrokerSealAD("acme", "powerbi", s.context)); err != nil || string(b) != s.want {
			t.Fatalf("open %s: %q, %v", s.context, b, err)
		}
	}
	// Sealed for one field, a secret does not open as the other.
	if _, err := f.svc.sealer.Open(stored.SealedPassword, domain.BrokerSealAD("acme", "powerbi", domain.BrokerSealClientSecret)); err == nil {
		t.Fatal("the password opens as the client secret")
	}
	if _, err := f.svc.CreateBrokerProvider(ctx, boot, "acme", "powerbi", powerBI()); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("duplicate id: %v", err)
	}
	if _, err := f.svc.CreateBrokerProvider(ctx, Principal{Tenant: "other", Subject: "alice", Scopes: []string{domain.AdminScope}},
		"acme", "x", powerBI()); !errors.Is(err, ErrForbidden) {
		t.Errorf("another tenant's admin: %v", err)
	}

	with := func(change func(*BrokerProviderPatch)) BrokerProviderPatch {
		a := powerBI()
		change(&a)
		return a
	}
	for _, tc := range []struct {
		name, id string
		p        Principal
		attrs    BrokerProviderPatch
		field    string
		reason   string
	}{
		{"bad id", "Power BI", boot, powerBI(), "id", "lower-case"},
		{"no token URL", "a", boot, with(func(a *BrokerProviderPatch) { a.TokenURL = nil }), "tokenUrl", "required"},
		{"http token URL", "a", boot, with(func(a *BrokerProviderPatch) { a.TokenURL = ptr("http://login.example/token") }), "tokenUrl", "https"},
		{"unknown placeholder", "a", boot, with(func(a *BrokerProviderPatch) { a.TokenURL = ptr("https://login.example/{tenant}/token") }), "tokenUrl", "only placeholder"},
		{"placeholder without tenant", "a", boot, with(func(a *BrokerProviderPatch) { a.UpstreamTenant = nil }), "upstreamTenant", "required"},
		{"tenant that ends the path", "a", boot, with(func(a *BrokerProviderPatch) { a.UpstreamTenant = ptr("x/../evil") }), "upstreamTenant", "domain name"},
		{"user information", "a", boot, with(func(a *BrokerProviderPatch) { a.TokenURL = ptr("https://u:p@login.example/token") }), "tokenUrl", "user information"},
		{"unknown grant", "a", boot, with(func(a *BrokerProviderPatch) { a.GrantType = ptr("implicit") }), "grantType", "client_credentials"},
		{"password grant without username", "a", boot, with(func(a *BrokerProviderPatch) {
			a.GrantType, a.Password = ptr(domain.BrokerGrantPassword), ptr("pw")
		}), "username", "required"},
		{"password grant without password", "a", boot, with(func(a *BrokerProviderPatch) {
			a.GrantType, a.Username = ptr(domain.BrokerGrantPassword), ptr("svc")
		}), "password", "required"},
		{"no client secret", "a", boot, with(func(a *BrokerProviderPatch) { a.ClientSecret = nil }), "clientSecret", "required"},
		{"empty client secret", "a", boot, with(func(a *BrokerProviderPatch) { a.ClientSecret = ptr("") }), "clientSecret", "empty"},
		{"no client id", "a", boot, with(func(a *BrokerProviderPatch) { a.ClientID = nil }), "clientId", "required"},
		{"negative refresh", "a", boot, with(func(a *BrokerProviderPatch) { a.RefreshBeforeSeconds = ptr(-1) }), "refreshBeforeSeconds", "from 0"},
		{"huge refresh", "a", boot, with(func(a *BrokerProviderPatch) { a.RefreshBeforeSeconds = ptr(1 << 62) }), "refreshBeforeSeconds", "from 0"},
		{"unknown role", "a", boot, with(func(a *BrokerProviderPatch) { a.AllowedRoles = &[]string{"nope"} }), "allowedRoles", "nope"},
		{"tenant admin's private address", "a", acmeAdmin, with(func(a *BrokerProviderPatch) {
			a.TokenURL = ptr("https://10.1.2.3/{tenantId}/oauth2/token")
		}), "tokenUrl", "not a public address"},
		{"tenant admin's loopback address", "a", acmeAdmin, with(func(a *BrokerProviderPatch) {
			a.TokenURL = ptr("http://127.0.0.1:9/token")
		}), "tokenUrl", upstream.Flag},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := f.svc.CreateBrokerProvider(ctx, tc.p, "acme", tc.id, tc.attrs)
			invalidOn(t, err, tc.field)
			if !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("%v does not say %q", err, tc.reason)
			}
			if _, err := f.svc.store.GetBrokerProvider(ctx, "acme", tc.id); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("stored after a refusal: %v", err)
			}
		})
	}
	// The operator may name an address inside the network.
	private := with(func(a *BrokerProviderPatch) { a.TokenURL = ptr("https://10.1.2.3/{tenantId}/oauth2/token") })
	if _, err := f.svc.CreateBrokerProvider(ctx, boot, "acme", "inside", private); err != nil {
		t.Errorf("operator's private address: %v", err)
	}
}

func TestUpdateBrokerProvider(t *testing.T) {
	f := newFixture(t, newSeed(t))
	ctx := context.Background()
	private := powerBI()
	private.TokenURL = ptr("https://10.1.2.3/{tenantId}/oauth2/token")
	if _, err := f.svc.CreateBrokerProvider(ctx, boot, "acme", "powerbi", private); err != nil {
		t.Fatal(err)
	}
	stored := func() *domain.BrokerProvider {
		x, err := f.svc.store.GetBrokerProvider(ctx, "acme", "powerbi")
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	first := stored().SealedClientSecret

	// A tenant admin's change that leaves the URL keeps the operator's
	// approval and the secret.
	x, err := f.svc.UpdateBrokerProvider(ctx, acmeAdmin, "acme", "powerbi", BrokerProviderPatch{
		Resource: ptr("https://other.example"), RefreshBeforeSeconds: ptr(60), AllowedRoles: &[]string{"reader"}})
	if err != nil || !x.ByOperator || x.RefreshBefore != time.Minute || !bytes.Equal(stored().SealedClientSecret, first) {
		t.Fatalf("update: %+v, %v", x, err)
	}
	// Moving it to another upstream tenant is checked as the tenant
	// admin's, and refused at a private address.
	_, err = f.svc.UpdateBrokerProvider(ctx, acmeAdmin, "acme", "powerbi", BrokerProviderPatch{UpstreamTenant: ptr("fabrikam")})
	invalidOn(t, err, "tokenUrl")
	if x := stored(); x.UpstreamTenant != "contoso.onmicrosoft.com" || !x.ByOperator {
		t.Fatalf("a refused move was stored: %+v", x)
	}
	// Switching to the password grant needs a password, stored or sent.
	_, err = f.svc.UpdateBrokerProvider(ctx, acmeAdmin, "acme", "powerbi", BrokerProviderPatch{
		GrantType: ptr(domain.BrokerGrantPassword), Username: ptr("svc")})
	invalidOn(t, err, "password")
	x, err = f.svc.UpdateBrokerProvider(ctx, acmeAdmin, "acme", "powerbi", BrokerProviderPatch{
		GrantType: ptr(domain.BrokerGrantPassword), Username: ptr("svc"), Password: ptr("pw"), ClientSecret: ptr("second")})
	if err != nil || x.SealedPassword == nil || bytes.Equal(stored().SealedClientSecret, first) {
		t.Fatalf("password grant: %+v, %v", x, err)
	}
	_, err = f.svc.UpdateBrokerProvider(ctx, acmeAdmin, "acme", "powerbi", BrokerProviderPatch{ClientSecret: ptr("")})
	invalidOn(t, err, "clientSecret")
	// A public URL set by the tenant admin becomes theirs.
	x, err = f.svc.UpdateBrokerProvider(ctx, acmeAdmin, "acme", "powerbi", BrokerProviderPatch{TokenURL: ptr("https://8.8.8.8/token")})
	if err != nil || x.ByOperator {
		t.Fatalf("tenant admin's URL: %+v, %v", x, err)
	}
	if err := f.svc.DeleteBrokerProvider(ctx, acmeAdmin, "acme", "powerbi"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.GetBrokerProvider(ctx, acmeAdmin, "acme", "powerbi"); !errors.Is(err, domain.ErrNotFound) {
		t.Fatalf("after delete: %v", err)
	}
}
