package admin

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// A remote gateway verifies access tokens only: the feed leaves out a
// tenant's RS256 ID-token key, which the JWKS publishes.
func TestGatewayKeysLeaveOutIDTokenKeys(t *testing.T) {
	ctx := t.Context()
	f := openFixture(t, filepath.Join(t.TempDir(), "tollgate.db"))
	t.Cleanup(func() { f.close() })
	boot := Principal{Bootstrap: true}
	if err := f.svc.CreateTenant(ctx, boot, &domain.Tenant{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.keyring.EnsureKey(ctx, "acme"); err != nil { // ES256
		t.Fatal(err)
	}
	if _, err := f.svc.keyring.SignIDToken(ctx, "acme", domain.IDTokenAlgRS256, func(string) any { return map[string]any{} }); err != nil {
		t.Fatal(err)
	}
	all, err := f.svc.store.ListSigningKeys(ctx, "acme", time.Now())
	if err != nil || len(all) != 2 {
		t.Fatalf("published keys: %d, %v; want the access-token and the ID-token key", len(all), err)
	}
	keys, err := f.svc.GatewayKeys(ctx, boot, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if len(keys) != 1 || keys[0].Use != domain.KeyUseTokens || keys[0].Algorithm != "ES256" || keys[0].PrivateKey != nil {
		t.Fatalf("gateway feed keys: %+v", keys)
	}
}
