package adminapi_test

import (
	"testing"
)

// TestTenantAPITokenMaxTTL: the apiTokenMaxTtl attribute of tenants, in
// seconds, 0 (the default) for no cap; only the bootstrap token sets it.
func TestTenantAPITokenMaxTTL(t *testing.T) {
	e := newEnv(t)
	// Tenants are managed only unprefixed, so the tenant admin who tries is
	// the default tenant's.
	defaultAdmin := e.jwt("default", "root", "tollgate:admin")
	tenant := func(id, attrs string) string {
		return `{"data":{"type":"tenant","id":"` + id + `","attributes":{` + attrs + `}}}`
	}

	created := e.must(e.do("POST", "/api/v1/entities/tenants", bootstrapToken, tenant("beta", `"name":"Beta","apiTokenMaxTtl":7776000`)), 201)
	if got := created.resource(t).Attributes["apiTokenMaxTtl"]; got != 7776000.0 {
		t.Fatalf("created apiTokenMaxTtl = %v: %s", got, created.raw)
	}
	if got := e.must(e.do("GET", "/api/v1/entities/tenants/acme", bootstrapToken, ""), 200).resource(t).Attributes["apiTokenMaxTtl"]; got != 0.0 {
		t.Errorf("default apiTokenMaxTtl = %v, want 0", got)
	}
	// A PATCH without the attribute keeps it; 0 removes the cap.
	e.must(e.do("PATCH", "/api/v1/entities/tenants/beta", bootstrapToken, tenant("beta", `"name":"Beta 2"`)), 200)
	if got := e.must(e.do("GET", "/api/v1/entities/tenants/beta", bootstrapToken, ""), 200).resource(t).Attributes; got["apiTokenMaxTtl"] != 7776000.0 || got["name"] != "Beta 2" {
		t.Errorf("after renaming: %v", got)
	}
	patched := e.must(e.do("PATCH", "/api/v1/entities/tenants/beta", bootstrapToken, tenant("beta", `"apiTokenMaxTtl":0`)), 200)
	if got := patched.resource(t).Attributes; got["apiTokenMaxTtl"] != 0.0 || got["name"] != "Beta 2" {
		t.Errorf("after removing the cap: %v", got)
	}

	for _, tc := range []struct {
		name, method, path, token, body string
		status                          int
		pointer                         string
	}{
		{"negative on create", "POST", "/api/v1/entities/tenants", bootstrapToken, tenant("gamma", `"apiTokenMaxTtl":-1`), 400, "/data/attributes/apiTokenMaxTtl"},
		{"negative on update", "PATCH", "/api/v1/entities/tenants/beta", bootstrapToken, tenant("beta", `"apiTokenMaxTtl":-60`), 400, "/data/attributes/apiTokenMaxTtl"},
		{"beyond 100 years", "PATCH", "/api/v1/entities/tenants/beta", bootstrapToken, tenant("beta", `"apiTokenMaxTtl":9223372036854775807`), 400, "/data/attributes/apiTokenMaxTtl"},
		{"not a number", "PATCH", "/api/v1/entities/tenants/beta", bootstrapToken, tenant("beta", `"apiTokenMaxTtl":"90d"`), 400, ""},
		{"tenant admin on own tenant", "PATCH", "/api/v1/entities/tenants/default", defaultAdmin, tenant("default", `"apiTokenMaxTtl":3600`), 403, ""},
		{"tenant admin creating", "POST", "/api/v1/entities/tenants", defaultAdmin, tenant("delta", `"apiTokenMaxTtl":3600`), 403, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.do(tc.method, tc.path, tc.token, tc.body)
			if r.status != tc.status || len(r.doc.Errors) != 1 {
				t.Fatalf("status %d, want %d: %s", r.status, tc.status, r.raw)
			}
			if tc.pointer != "" {
				if src := r.doc.Errors[0].Source; src == nil || src.Pointer != tc.pointer {
					t.Errorf("source = %+v, want pointer %q", src, tc.pointer)
				}
			}
		})
	}
	// Nothing changed by the refused requests.
	e.must(e.do("GET", "/api/v1/entities/tenants/gamma", bootstrapToken, ""), 404)
	for id, want := range map[string]float64{"default": 0, "beta": 0} {
		if got := e.must(e.do("GET", "/api/v1/entities/tenants/"+id, bootstrapToken, ""), 200).resource(t).Attributes["apiTokenMaxTtl"]; got != want {
			t.Errorf("%s apiTokenMaxTtl = %v after refused requests, want %v", id, got, want)
		}
	}
}
