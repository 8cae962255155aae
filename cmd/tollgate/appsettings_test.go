package main

import (
	"encoding/json"
	"maps"
	"os"
	"strings"
	"testing"
)

// sample is the Power BI sample's appsettings.json with real-looking
// values in place of its "[…]" placeholders (the master user left as the
// sample has it: optional, unset).
func sample(t testing.TB) string {
	t.Helper()
	b, err := os.ReadFile("testdata/appsettings.json")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestParseAppSettings(t *testing.T) {
	s := sample(t)
	clientCreds := map[string]any{
		"tokenUrl": "https://login.microsoftonline.com/{tenantId}/oauth2/token", "upstreamTenant": "72f988bf-86f1-41af-91ab-2d7cd011db47",
		"resource": "https://analysis.windows.net/powerbi/api", "clientId": "4f0b6b9e-2c1d-4a57-9e43-8c3f0d2a7b11",
		"clientSecret": "Zx8Q~3kLm.Pq7Rt_Vw2Yb-Nc5Hd9Jf4Gs6Ae1Uo0", "grantType": "client_credentials",
	}
	withUser := maps.Clone(clientCreds)
	withUser["grantType"], withUser["username"], withUser["password"] = "password", "pbi@contoso.com", "p{a}ss"
	noTenant := maps.Clone(clientCreds)
	noTenant["tokenUrl"] = "https://login.example/oauth2/token"
	delete(noTenant, "upstreamTenant")
	for _, tc := range []struct {
		name, file string
		want       map[string]any
		err        string // names the key
	}{
		{"the sample", s, clientCreds, ""},
		{"master user", strings.NewReplacer(`"[Optional - User name if using 'password' grant type]"`, `"pbi@contoso.com"`,
			`"[Optional - Password if using 'password' grant type]"`, `"p{a}ss"`).Replace(s), withUser, ""},
		{"keys in another case", strings.Replace(s, `"ClientId"`, `"clientid"`, 1), clientCreds, ""},
		{"no placeholder, no tenant", strings.NewReplacer(`https://login.microsoftonline.com/{AppTenantId}/oauth2/token`,
			`https://login.example/oauth2/token`, `"AppTenantId": "72f988bf-86f1-41af-91ab-2d7cd011db47",`, "").Replace(s), noTenant, ""},
		{"missing ClientSecret", strings.Replace(s, `"ClientSecret"`, `"Secret"`, 1), nil, "ClientSecret is missing"},
		{"missing AppTenantId", strings.Replace(s, `"AppTenantId"`, `"TenantId"`, 1), nil, "AppTenantId is missing"},
		{"empty Resource", strings.Replace(s, `"https://analysis.windows.net/powerbi/api"`, `""`, 1), nil, "Resource is missing"},
		{"number ClientId", strings.Replace(s, `"4f0b6b9e-2c1d-4a57-9e43-8c3f0d2a7b11"`, `42`, 1), nil, "ClientId is missing"},
		{"sample placeholder left", strings.Replace(s, `"72f988bf-86f1-41af-91ab-2d7cd011db47"`, `"[Enter Tenant Id]"`, 1), nil, "AppTenantId still holds"},
		{"sample secret left", strings.Replace(s, `"Zx8Q~3kLm.Pq7Rt_Vw2Yb-Nc5Hd9Jf4Gs6Ae1Uo0"`, `"[Enter Client Secret]"`, 1), nil, "ClientSecret still holds"},
		{"unknown placeholder", strings.Replace(s, `{AppTenantId}`, `{TenantId}`, 1), nil, "AuthTokenUrl has the unknown placeholder {TenantId}"},
		{"placeholder elsewhere", strings.Replace(s, `"https://analysis.windows.net/powerbi/api"`, `"https://{Host}/api"`, 1), nil, "Resource has the unknown placeholder"},
		{"user without password", strings.Replace(s, `"[Optional - User name if using 'password' grant type]"`, `"pbi@contoso.com"`, 1), nil, "Password still holds"},
		{"user not optional", strings.Replace(s, `"[Optional - User name if using 'password' grant type]"`, `"[Enter User Name]"`, 1), nil, "User still holds"},
		{"not an object", `["AppTenantId"]`, nil, "not a JSON object"},
		{"broken", s[:len(s)/2], nil, "not a JSON object"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := parseAppSettings([]byte(tc.file))
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("got %v, %v; want an error saying %q", got, err, tc.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tc.want) {
				t.Fatalf("got %v\nwant %v", got, tc.want)
			}
		})
	}
}

func TestStripJSONC(t *testing.T) {
	for _, tc := range []struct{ name, in, want string }{
		{"line comment", "{\"a\": 1 // one\n}", "{\"a\": 1 \n}"},
		{"block comment", `{/* x */"a": 1}`, `{"a": 1}`},
		{"comment markers in a string", `{"a": "http://x/*y*/"}`, `{"a": "http://x/*y*/"}`},
		{"escaped quote", `{"a": "say \"//\"", "b": 2}`, `{"a": "say \"//\"", "b": 2}`},
		{"trailing commas", "{\"a\": [1, 2, ],\n}", `{"a": [1, 2]}`},
		{"comma in a string", `{"a": ",}"}`, `{"a": ",}"}`},
		{"unterminated comment", `{"a": 1 /* no end`, `{"a": 1 `},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := string(stripJSONC([]byte(tc.in))); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// FuzzParseAppSettings: any file is parsed or refused without a panic,
// and what is accepted names only Tollgate's placeholder and leaves no
// "[…]" value.
func FuzzParseAppSettings(f *testing.F) {
	f.Add(sample(f))
	f.Add(`{"AuthTokenUrl": "https://x/{AppTenantId}", "AppTenantId": "t", "Resource": "r", "ClientId": "c", "ClientSecret": "s", "User": "u", "Password": "p"}`)
	f.Add(`{"a": "\"//", /* c */ "b": [1,],}`)
	f.Fuzz(func(t *testing.T, file string) {
		attrs, err := parseAppSettings([]byte(file))
		if err != nil {
			return
		}
		if _, err := json.Marshal(attrs); err != nil {
			t.Fatalf("attributes do not marshal: %v", err)
		}
		for _, k := range []string{"tokenUrl", "resource", "clientId", "clientSecret"} {
			if v, _ := attrs[k].(string); strings.TrimSpace(v) == "" || bracketValue.MatchString(v) {
				t.Fatalf("%s = %q accepted", k, v)
			}
		}
		if u := attrs["tokenUrl"].(string); strings.Contains(u, appTenantPlaceholder) {
			t.Fatalf("tokenUrl %q keeps the sample's placeholder", u)
		}
	})
}
