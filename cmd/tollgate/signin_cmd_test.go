package main

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"encoding/json"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/coreos/go-oidc/v3/oidc/oidctest"
	"github.com/go-jose/go-jose/v4"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/token/assertiontest"
)

// attrsOf decodes the attributes of a resource printed with -o json.
func attrsOf(t *testing.T, out string) (string, map[string]any) {
	t.Helper()
	var r struct {
		ID         string         `json:"id"`
		Attributes map[string]any `json:"attributes"`
	}
	if err := json.Unmarshal([]byte(out), &r); err != nil {
		t.Fatalf("-o json printed %q: %v", out, err)
	}
	return r.ID, r.Attributes
}

func TestAppSignInCommands(t *testing.T) {
	useAdminServer(t)
	id, a := attrsOf(t, mustRun(t, "", "app", "create", "--tenant", "acme", "-o", "json", "--name", "spa", "--public", "--third-party",
		"--redirect-uri", "https://spa.example/cb", "--redirect-uri", "http://127.0.0.1/cb",
		"--post-logout-redirect-uri", "https://spa.example/", "--id-token-alg", "RS256"))
	if _, ok := a["clientSecret"]; ok || a["clientType"] != "public" || a["firstParty"] != false || a["idTokenSigningAlg"] != "RS256" ||
		strings.Join(toStrings(a["redirectUris"]), " ") != "https://spa.example/cb http://127.0.0.1/cb" ||
		strings.Join(toStrings(a["postLogoutRedirectUris"]), " ") != "https://spa.example/" {
		t.Fatalf("public app: %v", a)
	}
	out := mustRun(t, "", "app", "list", "--tenant", "acme")
	if !strings.Contains(out, "CLIENTTYPE") || !strings.Contains(out, "REDIRECTURIS") || !strings.Contains(out, "public") ||
		!strings.Contains(out, "https://spa.example/cb,http://127.0.0.1/cb") {
		t.Errorf("app list printed %q", out)
	}
	if _, err := run(t, "", "app", "rotate-secret", id, "--tenant", "acme"); err == nil || !strings.Contains(err.Error(), "public client") {
		t.Errorf("rotate-secret of a public client: %v", err)
	}
	// update sends only the flags given.
	_, a = attrsOf(t, mustRun(t, "", "app", "update", id, "--tenant", "acme", "-o", "json", "--third-party=false"))
	if a["firstParty"] != true || a["clientType"] != "public" || len(toStrings(a["redirectUris"])) != 2 {
		t.Errorf("after --third-party=false: %v", a)
	}
	_, a = attrsOf(t, mustRun(t, "", "app", "update", id, "--tenant", "acme", "-o", "json", "--public=false"))
	if a["clientType"] != "confidential" || a["clientSecretSet"] != false {
		t.Errorf("after --public=false: %v", a)
	}
	if out := mustRun(t, "", "app", "rotate-secret", id, "--tenant", "acme"); !strings.Contains(out, "tgs_") {
		t.Errorf("rotate-secret printed %q", out)
	}
	for _, args := range [][]string{
		{"--public", "--grant", "client_credentials"},
		{"--grant", "authorization_code"},
		{"--grant", "authorization_code", "--redirect-uri", "https://*.example/cb"},
		{"--redirect-uri", "http://spa.example/cb"},
	} {
		if _, err := run(t, "", append([]string{"app", "create", "--tenant", "acme", "--name", "bad"}, args...)...); err == nil || !strings.Contains(err.Error(), "400") {
			t.Errorf("app create %v: %v", args, err)
		}
	}
}

func TestTenantSessionCommands(t *testing.T) {
	useAdminServer(t)
	_, a := attrsOf(t, mustRun(t, "", "tenant", "create", "beta", "-o", "json", "--session-idle-timeout", "30m", "--session-max-age", "12h"))
	if a["sessionIdleTimeoutSeconds"] != 1800.0 || a["sessionMaxAgeSeconds"] != 43200.0 {
		t.Fatalf("created %v", a)
	}
	_, a = attrsOf(t, mustRun(t, "", "tenant", "update", "beta", "-o", "json", "--session-max-age", "7d"))
	if a["sessionIdleTimeoutSeconds"] != 1800.0 || a["sessionMaxAgeSeconds"] != 604800.0 {
		t.Errorf("after --session-max-age 7d: %v", a)
	}
	if out := mustRun(t, "", "tenant", "get", "beta"); !strings.Contains(out, "sessionMaxAgeSeconds:") || !strings.Contains(out, "604800") {
		t.Errorf("tenant get printed %q", out)
	}
	if _, err := run(t, "", "tenant", "update", "beta", "--session-idle-timeout", "soon"); err == nil || !strings.Contains(err.Error(), "--session-idle-timeout") {
		t.Errorf("bad duration: %v", err)
	}
	if _, err := run(t, "", "tenant", "update", "beta", "--session-max-age", "10m"); err == nil || !strings.Contains(err.Error(), "sessionIdleTimeoutSeconds") {
		t.Errorf("max age under the idle timeout: %v", err)
	}
}

func TestIdpCommands(t *testing.T) {
	useAdminServer(t)
	op := &oidctest.Server{}
	srv := httptest.NewServer(op)
	defer srv.Close()
	op.SetIssuer(srv.URL)
	mustRun(t, "", "role", "create", "reader", "--tenant", "acme")

	out := mustRun(t, "s3cret-of-the-provider\n", "idp", "create", "corp", "--tenant", "acme", "--issuer", srv.URL, "--client-id", "tollgate",
		"--client-secret-stdin", "--display-name", "Corp", "--username-claim", "preferred_username", "--create-users",
		"--default-role", "reader", "--scope", "openid", "--scope", "email")
	if strings.Contains(out, "s3cret") || !strings.Contains(out, "clientSecretSet:") || !strings.Contains(out, "preferred_username") {
		t.Fatalf("idp create printed %q", out)
	}
	_, a := attrsOf(t, mustRun(t, "", "idp", "get", "corp", "--tenant", "acme", "-o", "json"))
	if a["clientSecretSet"] != true || a["createUsers"] != true || a["displayName"] != "Corp" || a["enabled"] != true ||
		strings.Join(toStrings(a["scopes"]), " ") != "openid email" || strings.Join(toStrings(a["defaultRoles"]), " ") != "reader" {
		t.Errorf("idp get: %v", a)
	}
	_, a = attrsOf(t, mustRun(t, "", "idp", "update", "corp", "--tenant", "acme", "-o", "json", "--disabled"))
	if a["enabled"] != false || a["displayName"] != "Corp" {
		t.Errorf("after --disabled: %v", a)
	}
	out = mustRun(t, "", "idp", "list", "--tenant", "acme")
	if !strings.Contains(out, "ISSUER") || !strings.Contains(out, srv.URL) || strings.Contains(out, "s3cret") {
		t.Errorf("idp list printed %q", out)
	}
	if _, err := run(t, "", "idp", "create", "down", "--tenant", "acme", "--issuer", "http://127.0.0.1:1", "--client-id", "x"); err == nil ||
		!strings.Contains(err.Error(), "discovery") {
		t.Errorf("unreachable issuer: %v", err)
	}
	if _, err := run(t, "x\n", "idp", "create", "two", "--tenant", "acme", "--issuer", srv.URL, "--client-id", "x",
		"--client-secret", "a", "--client-secret-stdin"); err == nil || !strings.Contains(err.Error(), "exclude") {
		t.Errorf("both secret flags: %v", err)
	}
	if _, err := run(t, "", "idp", "create", "three", "--tenant", "acme", "--client-id", "x"); err == nil || !strings.Contains(err.Error(), "issuer") {
		t.Errorf("no --issuer: %v", err)
	}
	mustRun(t, "", "idp", "delete", "corp", "--tenant", "acme")
	if _, err := run(t, "", "idp", "get", "corp", "--tenant", "acme"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("after delete: %v", err)
	}
}

func TestUserSessionCommands(t *testing.T) {
	url, boot, st := adminServerStore(t)
	t.Setenv("TOLLGATE_URL", url)
	t.Setenv("TOLLGATE_TOKEN", boot)
	mustRun(t, "", "user", "create", "bob", "--tenant", "acme")
	_, app := attrsOf(t, mustRun(t, "", "app", "create", "--tenant", "acme", "-o", "json", "--name", "partner", "--third-party"))
	clientID, _ := app["clientId"].(string)
	ctx, now := context.Background(), time.Now().UTC()
	for _, id := range []string{"s1", "s2"} {
		if err := st.CreateSession(ctx, "acme", &domain.Session{Tenant: "acme", ID: id, Hash: []byte(id), UserID: "bob",
			Methods: []string{domain.AMRFederated}, AuthTime: now, CreatedAt: now, LastSeenAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := st.PutConsent(ctx, "acme", &domain.Consent{Tenant: "acme", UserID: "bob", ClientID: clientID,
		Scopes: []string{"openid", "email"}, CreatedAt: now, UpdatedAt: now}); err != nil {
		t.Fatal(err)
	}

	out := mustRun(t, "", "user", "sessions", "bob", "--tenant", "acme")
	if !strings.Contains(out, "LASTSEENAT") || !strings.Contains(out, "s1") || !strings.Contains(out, "s2") || !strings.Contains(out, "fed") {
		t.Errorf("user sessions printed %q", out)
	}
	mustRun(t, "", "user", "logout", "bob", "--tenant", "acme", "--session", "s1")
	if out := mustRun(t, "", "user", "sessions", "bob", "--tenant", "acme"); strings.Contains(out, "s1") || !strings.Contains(out, "s2") {
		t.Errorf("after logout --session s1: %q", out)
	}
	if _, err := run(t, "", "user", "logout", "bob", "--tenant", "acme", "--session", "s1"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("ending an ended session: %v", err)
	}
	mustRun(t, "", "user", "logout", "bob", "--tenant", "acme")
	if out := mustRun(t, "", "user", "sessions", "bob", "--tenant", "acme", "-o", "json"); strings.TrimSpace(out) != "[]" {
		t.Errorf("after logout: %q", out)
	}

	out = mustRun(t, "", "user", "consents", "bob", "--tenant", "acme")
	if !strings.Contains(out, "CLIENTID") || !strings.Contains(out, clientID) || !strings.Contains(out, "openid,email") {
		t.Errorf("user consents printed %q", out)
	}
	mustRun(t, "", "user", "revoke-consent", "bob", clientID, "--tenant", "acme")
	if out := mustRun(t, "", "user", "consents", "bob", "--tenant", "acme"); strings.Contains(out, clientID) {
		t.Errorf("after revoke-consent: %q", out)
	}
	if _, err := run(t, "", "user", "revoke-consent", "bob", clientID, "--tenant", "acme"); err == nil || !strings.Contains(err.Error(), "404") {
		t.Errorf("revoking twice: %v", err)
	}
}

func toStrings(v any) []string {
	xs, _ := v.([]any)
	out := make([]string, 0, len(xs))
	for _, x := range xs {
		s, _ := x.(string)
		out = append(out, s)
	}
	return out
}

// TestAppKeysCommand: app create and update register, replace and remove
// a private_key_jwt client's keys (--jwks-file, "-" for stdin;
// --jwks-uri), and the server's refusal comes back.
func TestAppKeysCommand(t *testing.T) {
	useAdminServer(t)
	ec, _ := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	set := assertiontest.KeySet(t, jose.JSONWebKey{Key: ec.Public(), KeyID: "k1"})
	id, a := attrsOf(t, mustRun(t, set, "app", "create", "--tenant", "acme", "-o", "json", "--name", "job",
		"--grant", "client_credentials", "--jwks-file", "-"))
	if keys, _ := a["jwks"].(map[string]any)["keys"].([]any); len(keys) != 1 {
		t.Fatalf("jwks after create: %v", a["jwks"])
	}
	_, a = attrsOf(t, mustRun(t, "", "app", "update", id, "--tenant", "acme", "-o", "json", "--jwks-file", ""))
	if _, ok := a["jwks"]; ok {
		t.Fatalf("jwks after --jwks-file \"\": %v", a["jwks"])
	}
	if _, err := run(t, "", "app", "update", id, "--tenant", "acme", "--jwks-uri", "http://keys.example/jwks"); err == nil ||
		!strings.Contains(err.Error(), "jwksUri") {
		t.Fatalf("an http jwksUri: %v", err)
	}
	if _, err := run(t, "{", "app", "update", id, "--tenant", "acme", "--jwks-file", "-"); err == nil || !strings.Contains(err.Error(), "not JSON") {
		t.Fatalf("a broken key set: %v", err)
	}
}

// TestAppExchangeAndDPoPCommand: app update sets and removes a token
// exchange policy and DPoP's requirement.
func TestAppExchangeAndDPoPCommand(t *testing.T) {
	useAdminServer(t)
	id, a := attrsOf(t, mustRun(t, "", "app", "create", "--tenant", "acme", "-o", "json", "--name", "svc",
		"--grant", "client_credentials", "--grant", domain.GrantTokenExchange, "--require-dpop",
		"--token-exchange", `{"allowedSubjectIssuers":["self"],"allowImpersonation":false,"allowedAudiences":["https://api.example.com"]}`))
	policy, _ := a["tokenExchange"].(map[string]any)
	if a["requireDpop"] != true || policy["allowedSubjectIssuers"].([]any)[0] != "self" {
		t.Fatalf("after create: %v", a)
	}
	_, a = attrsOf(t, mustRun(t, "", "app", "update", id, "--tenant", "acme", "-o", "json", "--token-exchange", "", "--require-dpop=false"))
	if _, ok := a["tokenExchange"]; ok || a["requireDpop"] != false {
		t.Fatalf("after removing both: %v", a)
	}
	if _, err := run(t, "", "app", "update", id, "--tenant", "acme", "--token-exchange", "{"); err == nil || !strings.Contains(err.Error(), "JSON") {
		t.Fatalf("a broken policy: %v", err)
	}
}
