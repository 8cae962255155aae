package main

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestDeleteInUseForce: deleting a role or scope in use fails with the
// server's counts; --force deletes it and takes it from its users.
func TestDeleteInUseForce(t *testing.T) {
	useAdminServer(t)
	acme := []string{"--tenant", "acme"}
	cli := func(args ...string) []string { return append(args, acme...) }
	mustRun(t, "", cli("scope", "create", "orders:read")...)
	mustRun(t, "", cli("role", "create", "reader", "--scope", "orders:read")...)
	mustRun(t, "", cli("user", "create", "ann", "--role", "reader")...)

	for _, tc := range []struct {
		name string
		args []string
		want string
	}{
		{"role held by a user", cli("role", "delete", "reader"), `409 Conflict: role "reader" is in use by 1 user`},
		{"scope of a role", cli("scope", "delete", "orders:read"), `409 Conflict: scope "orders:read" is in use by 1 role`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if _, err := run(t, "", tc.args...); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("%v: %v, want an error with %q", tc.args, err, tc.want)
			}
		})
	}
	mustRun(t, "", cli("scope", "delete", "orders:read", "--force")...)
	mustRun(t, "", cli("role", "delete", "reader", "--force")...)
	var u struct {
		Attributes struct {
			Roles []string `json:"roles"`
		} `json:"attributes"`
	}
	if err := json.Unmarshal([]byte(mustRun(t, "", cli("user", "get", "ann", "-o", "json")...)), &u); err != nil {
		t.Fatal(err)
	}
	if len(u.Attributes.Roles) != 0 {
		t.Fatalf("roles of ann after the forced delete = %q", u.Attributes.Roles)
	}
	if _, err := run(t, "", cli("app", "delete", "x", "--force")...); err == nil || !strings.Contains(err.Error(), "unknown flag: --force") {
		t.Fatalf("app delete --force: %v, want unknown flag", err)
	}
}
