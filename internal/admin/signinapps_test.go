package admin

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/secret"
)

// invalidOn checks err is an InvalidError on field.
func invalidOn(t *testing.T, err error, field string) {
	t.Helper()
	var ie *domain.InvalidError
	if !errors.As(err, &ie) || ie.Field != field {
		t.Fatalf("got %v, want an invalid %s", err, field)
	}
}

func TestPublicApplications(t *testing.T) {
	f := newFixture(t, newSeed(t))
	ctx, boot := context.Background(), Principal{Bootstrap: true}
	web := []string{"https://app.example/cb"}

	a, sec, err := f.svc.CreateApplication(ctx, boot, "acme", ApplicationPatch{Name: ptr("spa"),
		ClientType: ptr(domain.ClientPublic), RedirectURIs: &web, FirstParty: ptr(false)})
	if err != nil {
		t.Fatal(err)
	}
	stored, err := f.svc.store.GetApplication(ctx, "acme", a.ID)
	if err != nil {
		t.Fatal(err)
	}
	if sec != "" || len(stored.SecretHash) != 0 || !stored.IsPublic() || stored.FirstParty ||
		!stored.AllowsGrant(domain.GrantAuthorizationCode) || len(stored.RedirectURIs) != 1 {
		t.Fatalf("public client: secret %q, stored %+v", sec, stored)
	}
	_, _, err = f.svc.RotateApplicationSecret(ctx, boot, "acme", a.ID)
	invalidOn(t, err, "clientType")

	_, _, err = f.svc.CreateApplication(ctx, boot, "acme", ApplicationPatch{Name: ptr("cli"),
		ClientType: ptr(domain.ClientPublic), GrantTypes: &[]string{domain.GrantClientCredentials}})
	invalidOn(t, err, "grantTypes")
	_, _, err = f.svc.CreateApplication(ctx, boot, "acme", ApplicationPatch{Name: ptr("spa2"), ClientType: ptr(domain.ClientPublic)})
	invalidOn(t, err, "redirectUris") // the default authorization_code grant needs one
	_, _, err = f.svc.CreateApplication(ctx, boot, "acme", ApplicationPatch{Name: ptr("x"), Owner: ptr("bob")})
	invalidOn(t, err, "owner")

	// Public to confidential: no secret until one is rotated in.
	a, err = f.svc.UpdateApplication(ctx, boot, "acme", a.ID, ApplicationPatch{ClientType: ptr(domain.ClientConfidential)})
	if err != nil || a.IsPublic() || len(a.SecretHash) != 0 {
		t.Fatalf("made confidential: %+v, %v", a, err)
	}
	_, sec, err = f.svc.RotateApplicationSecret(ctx, boot, "acme", a.ID)
	if err != nil || sec == "" {
		t.Fatalf("rotate: %q, %v", sec, err)
	}
	// Confidential to public: the secret goes at once.
	a, err = f.svc.UpdateApplication(ctx, boot, "acme", a.ID, ApplicationPatch{ClientType: ptr(domain.ClientPublic), Owner: ptr("")})
	if err != nil {
		t.Fatal(err)
	}
	stored, _ = f.svc.store.GetApplication(ctx, "acme", a.ID)
	if len(a.SecretHash) != 0 || len(stored.SecretHash) != 0 || secret.Equal(secret.HashToken(sec), stored.SecretHash) {
		t.Fatalf("made public, the secret stays: %x", stored.SecretHash)
	}
	// A refused update leaves the client as it was: confidential with grants a public client may not have.
	shop, err := f.svc.store.GetApplication(ctx, "acme", f.appID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.UpdateApplication(ctx, boot, "acme", f.appID, ApplicationPatch{ClientType: ptr(domain.ClientPublic)})
	invalidOn(t, err, "grantTypes")
	after, _ := f.svc.store.GetApplication(ctx, "acme", f.appID)
	if after.IsPublic() || !secret.Equal(after.SecretHash, shop.SecretHash) {
		t.Errorf("a refused update changed the client: %+v", after)
	}
	_, err = f.svc.UpdateApplication(ctx, boot, "acme", f.appID, ApplicationPatch{Owner: ptr("bob")})
	invalidOn(t, err, "owner")
	_, err = f.svc.UpdateApplication(ctx, boot, "acme", f.appID, ApplicationPatch{RedirectURIs: &[]string{"http://app.example/cb"}})
	invalidOn(t, err, "redirectUris")
}

func TestTenantSessionLimits(t *testing.T) {
	f := newFixture(t, newSeed(t))
	ctx, boot := context.Background(), Principal{Bootstrap: true}
	ten, err := f.svc.UpdateTenant(ctx, boot, "acme", TenantPatch{SessionIdleTimeout: ptr(15 * time.Minute), SessionMaxAge: ptr(8 * time.Hour)})
	if err != nil || ten.SessionIdleTimeout != 15*time.Minute || ten.SessionMaxAge != 8*time.Hour {
		t.Fatalf("%+v, %v", ten, err)
	}
	ten, err = f.svc.UpdateTenant(ctx, boot, "acme", TenantPatch{Name: ptr("Acme")})
	if err != nil || ten.SessionIdleTimeout != 15*time.Minute || ten.SessionMaxAge != 8*time.Hour {
		t.Fatalf("a rename changed the limits: %+v, %v", ten, err)
	}
	_, err = f.svc.UpdateTenant(ctx, boot, "acme", TenantPatch{SessionMaxAge: ptr(10 * time.Minute)})
	invalidOn(t, err, "sessionIdleTimeoutSeconds")
	err = f.svc.CreateTenant(ctx, boot, &domain.Tenant{ID: "short", SessionMaxAge: 30 * time.Second})
	invalidOn(t, err, "sessionMaxAgeSeconds")
	if got, _ := f.svc.store.GetTenant(ctx, "acme"); got.SessionMaxAge != 8*time.Hour {
		t.Errorf("a refused update was stored: %+v", got)
	}
}
