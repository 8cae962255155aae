package main

import (
	"context"
	"crypto"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/go-jose/go-jose/v4"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/store/pgtest"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// TestAutomaticKeyRotation runs the server's rotation job on a short
// period, on both stores: the successor appears in the JWKS a
// pre-publication ahead (and on the console as scheduled), takes over
// signing at its start, and a relying party that cached the key set
// before then verifies its tokens (go-oidc).
func TestAutomaticKeyRotation(t *testing.T) {
	run := func(t *testing.T, dsn string) {
		t.Parallel()
		cfg := testConfig(t, dsn)
		cfg.KeyRotation = token.RotationPolicy{Period: 4 * time.Second, Prepublish: 2 * time.Second}
		e := startWith(t, cfg)
		first := accessKid(t, e)
		deadline := time.Now().Add(10 * time.Second)
		var set jose.JSONWebKeySet
		for len(set.Keys) < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("no successor in the JWKS after 10 s: %+v", set.Keys)
			}
			time.Sleep(50 * time.Millisecond)
			if err := json.Unmarshal([]byte(e.do("GET", "/oauth2/jwks", "", "", "").raw), &set); err != nil {
				t.Fatal(err)
			}
		}
		next := scheduledKey(t, e)
		if page := e.consoleAdmin(t).get("/console/keys"); !strings.Contains(page.body, "scheduled: published now, signs from") {
			t.Errorf("keys page during pre-publication: %s", page.body)
		}
		if kid := accessKid(t, e); time.Until(next.CreatedAt) > 300*time.Millisecond && kid != first {
			t.Fatalf("%s signs %s before its start", kid, time.Until(next.CreatedAt))
		}
		var pubs []crypto.PublicKey
		for _, k := range set.Keys {
			pubs = append(pubs, k.Key)
		}
		rp := oidc.NewVerifier(e.base, &oidc.StaticKeySet{PublicKeys: pubs}, &oidc.Config{SkipClientIDCheck: true, SupportedSigningAlgs: []string{"ES256"}})
		for {
			tok := e.clientCredentials(e.clientID, e.clientSecret).str("access_token")
			if kid := kidOfJWT(t, tok); kid != first {
				if kid != next.ID || time.Until(next.CreatedAt) > 300*time.Millisecond {
					t.Fatalf("%s signs, %s before %s's start", kid, time.Until(next.CreatedAt), next.ID)
				}
				if _, err := rp.Verify(context.Background(), tok); err != nil {
					t.Fatalf("a relying party holding the key set of the pre-publication: %v", err)
				}
				return
			}
			if time.Since(next.CreatedAt) > 3*time.Second {
				t.Fatalf("the successor does not sign 3 s after its start")
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	t.Run("sqlite", func(t *testing.T) { run(t, "") })
	t.Run("postgres", func(t *testing.T) { run(t, pgtest.NewDatabase(t)) })
}

// accessKid returns the kid of a fresh client_credentials token.
func accessKid(t *testing.T, e *env) string {
	t.Helper()
	r := e.clientCredentials(e.clientID, e.clientSecret)
	if r.status != http.StatusOK {
		t.Fatalf("token: %d %s", r.status, r.raw)
	}
	return kidOfJWT(t, r.str("access_token"))
}

func kidOfJWT(t *testing.T, raw string) string {
	t.Helper()
	jws, err := jose.ParseSignedCompact(raw, []jose.SignatureAlgorithm{jose.ES256, jose.EdDSA, jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	return jws.Signatures[0].Header.KeyID
}

// scheduledKey returns the default tenant's key published ahead of
// signing.
func scheduledKey(t *testing.T, e *env) domain.SigningKey {
	t.Helper()
	now := time.Now()
	keys, err := e.app.Store().ListSigningKeys(context.Background(), domain.DefaultTenant, now)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range keys {
		if k.Pending(now) {
			return k
		}
	}
	t.Fatalf("no scheduled key among %d", len(keys))
	return domain.SigningKey{}
}
