package main

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/tollgate-dev/tollgate/internal/gateway/remote"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// `tollgate gateway-credential create|list|get|delete`, and the credential
// in the hands of a remote gateway's client.
func TestGatewayCredentialCommands(t *testing.T) {
	url, _ := useAdminServer(t)
	out := mustRun(t, "", "gateway-credential", "create", "edge-1", "--description", "edge in eu-west", "-o", "json")
	var created struct {
		ID         string         `json:"id"`
		Attributes map[string]any `json:"attributes"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("create -o json printed %q: %v", out, err)
	}
	cred, _ := created.Attributes["bearerToken"].(string)
	if created.ID != "edge-1" || !token.CheckOpaque(cred, token.PrefixGateway) {
		t.Fatalf("created %q", out)
	}
	out = mustRun(t, "", "gateway-credential", "list")
	if !strings.Contains(out, "edge-1") || !strings.Contains(out, "edge in eu-west") || strings.Contains(out, "tgg_") {
		t.Errorf("list printed %q", out)
	}
	if out = mustRun(t, "", "gateway-credential", "get", "edge-1"); strings.Contains(out, "tgg_") {
		t.Errorf("get printed %q", out)
	}

	// The remote gateway's client reads the feed with it; the admin
	// commands get nothing with it.
	if _, err := remote.NewClient([]string{url}, cred, nil).APIs(context.Background()); err != nil {
		t.Fatalf("feed with a gateway credential: %v", err)
	}
	if _, err := run(t, "", "tenant", "list", "--token", cred); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("tenant list with a gateway credential: %v", err)
	}
	if _, err := run(t, "", "gateway-credential", "create", "edge-2", "--token", cred); err == nil || !strings.Contains(err.Error(), "403") {
		t.Errorf("a gateway credential making another: %v", err)
	}

	mustRun(t, "", "gateway-credential", "delete", "edge-1")
	if out = mustRun(t, "", "gateway-credential", "list"); strings.Contains(out, "edge-1") {
		t.Errorf("list after delete printed %q", out)
	}
}
