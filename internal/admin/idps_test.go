package admin

import (
	"bytes"
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc/oidctest"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/gateway/upstream"
)

// provider is an OpenID provider on loopback that serves a discovery
// document naming issuer ("": its own URL), and counts requests.
type provider struct {
	url  string
	hits atomic.Int32
	srv  *httptest.Server
}

func newProvider(t *testing.T, issuer string) *provider {
	t.Helper()
	p := &provider{}
	op := &oidctest.Server{}
	p.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p.hits.Add(1)
		op.ServeHTTP(w, r)
	}))
	t.Cleanup(p.srv.Close)
	p.url = p.srv.URL
	if issuer == "" {
		issuer = p.url
	}
	op.SetIssuer(issuer)
	return p
}

// allowLoopback lets tenant admins' providers be on loopback, as an
// operator's --gateway-allow-upstream 127.0.0.0/8 would, with own as the
// server's listeners.
func allowLoopback(t *testing.T, f *fixture, own ...net.Addr) {
	t.Helper()
	pol, err := upstream.NewPolicy([]string{"127.0.0.0/8"}, own...)
	if err != nil {
		t.Fatal(err)
	}
	f.svc.upstreams = pol
}

var (
	boot      = Principal{Bootstrap: true}
	acmeAdmin = Principal{Tenant: "acme", Subject: "alice", Scopes: []string{domain.AdminScope}}
)

func TestCreateIdentityProvider(t *testing.T) {
	f := newFixture(t, newSeed(t))
	ctx := context.Background()
	op := newProvider(t, "")

	x, err := f.svc.CreateIdentityProvider(ctx, boot, "acme", "azure", IdentityProviderPatch{
		Issuer: &op.url, ClientID: ptr("tollgate"), ClientSecret: ptr("s3cret-value"), DefaultRoles: &[]string{"reader"}})
	if err != nil {
		t.Fatal(err)
	}
	if x.DisplayName != "azure" || x.UsernameClaim != "email" || !x.Enabled || x.CreateUsers || !x.ByOperator ||
		strings.Join(x.Scopes, " ") != "openid profile email" || op.hits.Load() != 1 {
		t.Errorf("created %+v after %d requests", x, op.hits.Load())
	}
	stored, err := f.svc.store.GetIdentityProvider(ctx, "acme", "azure")
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(stored.SealedSecret, []byte("s3cret-value")) {
		t.Fatal("the client secret is stored in clear")
	}
	if b, err := f.svc.sealer.Open(stored.SealedSecret, domain.IdentityProviderSecretAD("acme", "azure")); err != nil || string(b) != "s3cret-value" {
		t.Fatalf("open sealed secret: %q, %v", b, err)
	}
	if _, err := f.svc.sealer.Open(stored.SealedSecret, domain.IdentityProviderSecretAD("other", "azure")); err == nil {
		t.Fatal("the sealed secret opens in another tenant")
	}
	if _, err := f.svc.CreateIdentityProvider(ctx, boot, "acme", "azure", IdentityProviderPatch{Issuer: &op.url, ClientID: ptr("x")}); !errors.Is(err, domain.ErrConflict) {
		t.Errorf("duplicate id: %v", err)
	}

	mismatched := newProvider(t, "https://login.example/elsewhere")
	unreachable := "http://127.0.0.1:1"
	for _, tc := range []struct {
		name   string
		p      Principal
		id     string
		attrs  IdentityProviderPatch
		field  string
		reason string
	}{
		{"tenant admin's loopback issuer", acmeAdmin, "a", IdentityProviderPatch{Issuer: &op.url, ClientID: ptr("x")}, "issuer", upstream.Flag},
		{"tenant admin's private issuer", acmeAdmin, "b", IdentityProviderPatch{Issuer: ptr("https://10.1.2.3/"), ClientID: ptr("x")}, "issuer", "not a public address"},
		{"tenant admin's http issuer", acmeAdmin, "c", IdentityProviderPatch{Issuer: ptr("http://login.example/"), ClientID: ptr("x")}, "issuer", "https"},
		{"unreachable issuer", boot, "d", IdentityProviderPatch{Issuer: &unreachable, ClientID: ptr("x")}, "issuer", "discovery"},
		{"mismatched issuer", boot, "e", IdentityProviderPatch{Issuer: &mismatched.url, ClientID: ptr("x")}, "issuer", "did not match"},
		{"unknown default role", boot, "f", IdentityProviderPatch{Issuer: &op.url, ClientID: ptr("x"), DefaultRoles: &[]string{"nope"}}, "defaultRoles", "nope"},
		{"no client id", boot, "g", IdentityProviderPatch{Issuer: &op.url}, "clientId", "required"},
		{"scopes without openid", boot, "h", IdentityProviderPatch{Issuer: &op.url, ClientID: ptr("x"), Scopes: &[]string{"email"}}, "scopes", "openid"},
		{"bad id", boot, "Corp", IdentityProviderPatch{Issuer: &op.url, ClientID: ptr("x")}, "id", "lower-case"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			before := op.hits.Load()
			_, err := f.svc.CreateIdentityProvider(ctx, tc.p, "acme", tc.id, tc.attrs)
			invalidOn(t, err, tc.field)
			if !strings.Contains(err.Error(), tc.reason) {
				t.Errorf("%v does not say %q", err, tc.reason)
			}
			if tc.field != "issuer" && op.hits.Load() != before {
				t.Error("the provider was asked before the request's own errors were")
			}
			if _, err := f.svc.store.GetIdentityProvider(ctx, "acme", tc.id); !errors.Is(err, domain.ErrNotFound) {
				t.Errorf("stored after a refusal: %v", err)
			}
		})
	}
	if n := op.hits.Load(); n != 1 {
		t.Errorf("a refused tenant admin reached the provider: %d requests", n)
	}

	// With loopback allowed, a tenant admin's provider is discovered, and
	// is not the operator's.
	allowLoopback(t, f)
	x, err = f.svc.CreateIdentityProvider(ctx, acmeAdmin, "acme", "team", IdentityProviderPatch{Issuer: &op.url, ClientID: ptr("x")})
	if err != nil || x.ByOperator || x.SealedSecret != nil {
		t.Fatalf("tenant admin's provider: %+v, %v", x, err)
	}
}

// Tenant B may federate through tenant A of the same server: the
// operator may name the server's own listener as an issuer; a tenant
// admin may not, even with loopback allowed.
func TestIdentityProviderOnOwnListener(t *testing.T) {
	f := newFixture(t, newSeed(t))
	ctx := context.Background()
	op := newProvider(t, "")
	allowLoopback(t, f, op.srv.Listener.Addr())
	if _, err := f.svc.CreateIdentityProvider(ctx, boot, "acme", "sister", IdentityProviderPatch{Issuer: &op.url, ClientID: ptr("x")}); err != nil {
		t.Fatalf("operator: %v", err)
	}
	_, err := f.svc.CreateIdentityProvider(ctx, acmeAdmin, "acme", "own", IdentityProviderPatch{Issuer: &op.url, ClientID: ptr("x")})
	invalidOn(t, err, "issuer")
	if !strings.Contains(err.Error(), "own listener") {
		t.Errorf("tenant admin: %v", err)
	}
	// The gateway still refuses it as an upstream, even for the operator.
	err = f.svc.CreateAPI(ctx, boot, "acme", &domain.API{ID: "loop", Context: "/loop", Upstream: op.url,
		Resources: []domain.APIResource{{Method: "GET", Path: "/x"}}})
	invalidOn(t, err, "upstream")
}

func TestUpdateIdentityProvider(t *testing.T) {
	f := newFixture(t, newSeed(t))
	ctx := context.Background()
	allowLoopback(t, f)
	op, next := newProvider(t, ""), newProvider(t, "")
	if _, err := f.svc.CreateIdentityProvider(ctx, acmeAdmin, "acme", "azure", IdentityProviderPatch{
		Issuer: &op.url, ClientID: ptr("x"), ClientSecret: ptr("first")}); err != nil {
		t.Fatal(err)
	}
	sealed := func() []byte {
		x, err := f.svc.store.GetIdentityProvider(ctx, "acme", "azure")
		if err != nil {
			t.Fatal(err)
		}
		return x.SealedSecret
	}
	first := sealed()

	// Changes that leave the issuer ask the provider nothing: it may be
	// down meanwhile.
	op.srv.Close()
	x, err := f.svc.UpdateIdentityProvider(ctx, acmeAdmin, "acme", "azure", IdentityProviderPatch{
		Issuer: &op.url, DisplayName: ptr("Corp"), Enabled: ptr(false), DefaultRoles: &[]string{"reader"}})
	if err != nil || x.DisplayName != "Corp" || x.Enabled || x.ByOperator || !bytes.Equal(sealed(), first) {
		t.Fatalf("update: %+v, %v", x, err)
	}
	// The operator approves the issuer by sending it.
	if x, err = f.svc.UpdateIdentityProvider(ctx, boot, "acme", "azure", IdentityProviderPatch{Issuer: &op.url}); err != nil || !x.ByOperator {
		t.Fatalf("operator's approval: %+v, %v", x, err)
	}
	// A new issuer is discovered, and is the tenant admin's.
	_, err = f.svc.UpdateIdentityProvider(ctx, acmeAdmin, "acme", "azure", IdentityProviderPatch{Issuer: ptr("http://127.0.0.1:1")})
	invalidOn(t, err, "issuer")
	if x, _ := f.svc.store.GetIdentityProvider(ctx, "acme", "azure"); x.Issuer != op.url || !x.ByOperator {
		t.Fatalf("a refused issuer was stored: %+v", x)
	}
	if x, err = f.svc.UpdateIdentityProvider(ctx, acmeAdmin, "acme", "azure", IdentityProviderPatch{Issuer: &next.url}); err != nil ||
		x.Issuer != next.url || x.ByOperator || next.hits.Load() != 1 {
		t.Fatalf("new issuer: %+v, %v, %d requests", x, err, next.hits.Load())
	}
	_, err = f.svc.UpdateIdentityProvider(ctx, acmeAdmin, "acme", "azure", IdentityProviderPatch{ClientSecret: ptr("")})
	invalidOn(t, err, "clientSecret")
	_, err = f.svc.UpdateIdentityProvider(ctx, acmeAdmin, "acme", "azure", IdentityProviderPatch{DefaultRoles: &[]string{"nope"}})
	invalidOn(t, err, "defaultRoles")
	if _, err = f.svc.UpdateIdentityProvider(ctx, acmeAdmin, "acme", "azure", IdentityProviderPatch{ClientSecret: ptr("second")}); err != nil {
		t.Fatal(err)
	}
	if b, err := f.svc.sealer.Open(sealed(), domain.IdentityProviderSecretAD("acme", "azure")); err != nil || string(b) != "second" {
		t.Errorf("new secret: %q, %v", b, err)
	}
	if _, err := f.svc.UpdateIdentityProvider(ctx, acmeAdmin, "acme", "nope", IdentityProviderPatch{}); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("unknown provider: %v", err)
	}
	if err := f.svc.DeleteIdentityProvider(ctx, acmeAdmin, "acme", "azure"); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.GetIdentityProvider(ctx, acmeAdmin, "acme", "azure"); !errors.Is(err, domain.ErrNotFound) {
		t.Errorf("after delete: %v", err)
	}
}
