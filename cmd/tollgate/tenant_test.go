package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParseSeconds(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"7776000", 7776000, true},
		{"0", 0, true},
		{"2160h", 7776000, true},
		{"90d", 7776000, true},
		{"1h30m", 5400, true},
		{"0d", 0, true},
		{"-1", 0, false},
		{"-2h", 0, false},
		{"1.5s", 0, false},
		{"90days", 0, false},
		{"d", 0, false},
		{"", 0, false},
		{"999999999999d", 0, false},
	} {
		got, err := parseSeconds(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseSeconds(%q) = %d, %v; want %d, ok %v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

// TestTenantCommands: --api-token-max-ttl on create and update reaches the
// server in seconds and shows in the table and the JSON.
func TestTenantCommands(t *testing.T) {
	useAdminServer(t)
	attributes := func(out string) map[string]any {
		t.Helper()
		var r struct{ Attributes map[string]any }
		if err := json.Unmarshal([]byte(out), &r); err != nil {
			t.Fatalf("-o json printed %q: %v", out, err)
		}
		return r.Attributes
	}

	out := mustRun(t, "", "tenant", "create", "beta", "--name", "Beta", "--api-token-max-ttl", "90d")
	if !strings.Contains(out, "apiTokenMaxTtl:") || !strings.Contains(out, "7776000") {
		t.Errorf("tenant create printed %q", out)
	}
	a := attributes(mustRun(t, "", "tenant", "update", "beta", "--api-token-max-ttl", "2h", "-o", "json"))
	if a["apiTokenMaxTtl"] != 7200.0 || a["name"] != "Beta" {
		t.Errorf("after update --api-token-max-ttl 2h: %v", a)
	}
	a = attributes(mustRun(t, "", "tenant", "update", "beta", "--name", "Beta 2", "-o", "json"))
	if a["apiTokenMaxTtl"] != 7200.0 || a["name"] != "Beta 2" {
		t.Errorf("a rename changed the cap: %v", a)
	}
	a = attributes(mustRun(t, "", "tenant", "update", "beta", "--api-token-max-ttl", "0", "-o", "json"))
	if a["apiTokenMaxTtl"] != 0.0 {
		t.Errorf("after --api-token-max-ttl 0: %v", a)
	}
	out = mustRun(t, "", "tenant", "list")
	if !strings.Contains(out, "APITOKENMAXTTL") || !strings.Contains(out, "beta") {
		t.Errorf("tenant list printed %q", out)
	}
	if _, err := run(t, "", "tenant", "update", "beta", "--api-token-max-ttl", "soon"); err == nil ||
		!strings.Contains(err.Error(), "--api-token-max-ttl") {
		t.Errorf("bad --api-token-max-ttl: %v", err)
	}
}
