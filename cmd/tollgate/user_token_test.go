package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestUserTokenCommands drives `tollgate user token create|list|delete`
// against the real server wiring.
func TestUserTokenCommands(t *testing.T) {
	e := startServer(t, "")
	t.Setenv("TOLLGATE_URL", e.base)
	t.Setenv("TOLLGATE_TOKEN", e.admin)
	out, err := run(t, "", "user", "token", "create", "john.doe", "laptop", "-o", "json",
		"--scope", "orders:read", "--description", "my laptop", "--expires-in", "720h")
	if err != nil {
		t.Fatal(err)
	}
	var created struct {
		ID         string         `json:"id"`
		Attributes map[string]any `json:"attributes"`
	}
	if err := json.Unmarshal([]byte(out), &created); err != nil {
		t.Fatalf("%v: %q", err, out)
	}
	tok, _ := created.Attributes["bearerToken"].(string)
	if created.ID != "laptop" || !strings.HasPrefix(tok, "tgp_") || created.Attributes["expiresAt"] == nil {
		t.Fatalf("created %+v", created)
	}

	// The user lists their own tokens with the new token: no secret shown.
	out, err = run(t, "", "user", "token", "list", "john.doe", "--token", tok)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out, "LASTUSEDAT") || !strings.Contains(out, "laptop") || strings.Contains(out, "tgp_") {
		t.Fatalf("list printed %q", out)
	}
	if _, err := run(t, "", "user", "token", "create", "john.doe", "laptop"); err == nil || !strings.Contains(err.Error(), "409") {
		t.Fatalf("duplicate: %v", err)
	}
	if _, err := run(t, "", "user", "token", "delete", "john.doe", "laptop"); err != nil {
		t.Fatal(err)
	}
	if _, err := run(t, "", "user", "get", "john.doe", "--token", tok); err == nil || !strings.Contains(err.Error(), "401") {
		t.Fatalf("deleted token still works: %v", err)
	}
}
