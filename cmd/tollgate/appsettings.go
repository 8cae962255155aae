package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"regexp"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// The Power BI embedding sample's backend reads its Azure AD settings
// from appsettings.json: top-level keys AppTenantId, AuthTokenUrl (with
// {AppTenantId} in it), Resource, ClientId, ClientSecret and, for a
// master user, User and Password. The sample ships them as "[…]"
// placeholders for the developer to fill in.

// appTenantPlaceholder is the sample's name for the tenant in its token
// URL; Tollgate's is domain.BrokerTenantPlaceholder.
const appTenantPlaceholder = "{AppTenantId}"

var (
	bracketValue = regexp.MustCompile(`^\s*\[.*\]\s*$`)
	optionalHint = regexp.MustCompile(`(?i)^\s*\[\s*optional\b`)
	braces       = regexp.MustCompile(`\{[^{}]*\}`)
)

// parseAppSettings turns the sample's appsettings.json into the broker
// provider's attributes (clientSecret and password included). Keys match
// case-insensitively, as .NET's configuration does, and comments and
// trailing commas, which .NET accepts in the file, are skipped. A missing
// required key, a value still in the sample's "[…]" form, or a "{…}"
// other than {AppTenantId} in AuthTokenUrl (in any value but the secrets,
// which are opaque) is an error naming the key.
func parseAppSettings(data []byte) (map[string]any, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(stripJSONC(data), &raw); err != nil {
		return nil, fmt.Errorf("appsettings: not a JSON object: %w", err)
	}
	values := map[string]string{}
	for k, v := range raw {
		var s string
		if json.Unmarshal(v, &s) == nil {
			values[strings.ToLower(k)] = s
		}
	}
	get := func(key string, required bool) (string, error) {
		v, ok := values[strings.ToLower(key)]
		switch {
		case !ok || strings.TrimSpace(v) == "":
			if required {
				return "", fmt.Errorf("appsettings: %s is missing (a string is required)", key)
			}
			return "", nil
		case bracketValue.MatchString(v):
			if !required && optionalHint.MatchString(v) {
				return "", nil // the sample's "[Optional …]": not used
			}
			return "", fmt.Errorf("appsettings: %s still holds the sample's placeholder %q; fill in the value", key, v)
		}
		if key == "ClientSecret" || key == "Password" {
			return v, nil // opaque: a secret may hold braces of its own
		}
		for _, p := range braces.FindAllString(v, -1) {
			if key != "AuthTokenUrl" || p != appTenantPlaceholder {
				return "", fmt.Errorf("appsettings: %s has the unknown placeholder %s (only AuthTokenUrl may hold %s)",
					key, p, appTenantPlaceholder)
			}
		}
		return v, nil
	}
	attrs := map[string]any{"grantType": domain.BrokerGrantClientCredentials}
	for _, f := range []struct{ key, attr string }{
		{"AuthTokenUrl", "tokenUrl"}, {"Resource", "resource"}, {"ClientId", "clientId"}, {"ClientSecret", "clientSecret"},
	} {
		v, err := get(f.key, true)
		if err != nil {
			return nil, err
		}
		attrs[f.attr] = v
	}
	url := attrs["tokenUrl"].(string)
	tenant, err := get("AppTenantId", strings.Contains(url, appTenantPlaceholder))
	if err != nil {
		return nil, err
	}
	if tenant != "" {
		attrs["upstreamTenant"] = tenant
	}
	attrs["tokenUrl"] = strings.ReplaceAll(url, appTenantPlaceholder, domain.BrokerTenantPlaceholder)
	user, err := get("User", false)
	if err != nil || user == "" {
		return attrs, err
	}
	password, err := get("Password", true)
	if err != nil {
		return nil, fmt.Errorf("%w: User is set, so the password grant needs it", err)
	}
	attrs["grantType"], attrs["username"], attrs["password"] = domain.BrokerGrantPassword, user, password
	return attrs, nil
}

// stripJSONC removes // and /* */ comments and trailing commas outside
// strings, leaving what encoding/json reads. Anything malformed is left
// for encoding/json to refuse.
func stripJSONC(data []byte) []byte {
	out := make([]byte, 0, len(data))
	for i := 0; i < len(data); i++ {
		c := data[i]
		switch {
		case c == '"':
			// Copy the string, escapes included, to its closing quote.
			j := i + 1
			for j < len(data) && data[j] != '"' {
				if data[j] == '\\' {
					j++
				}
				j++
			}
			end := min(j+1, len(data))
			out = append(out, data[i:end]...)
			i = end - 1
		case c == '/' && i+1 < len(data) && data[i+1] == '/':
			for i < len(data) && data[i] != '\n' {
				i++
			}
			i--
		case c == '/' && i+1 < len(data) && data[i+1] == '*':
			end := bytes.Index(data[i+2:], []byte("*/"))
			if end < 0 {
				return out
			}
			i += 2 + end + 1
		case c == '}' || c == ']':
			trimmed := bytes.TrimRight(out, " \t\r\n")
			if len(trimmed) > 0 && trimmed[len(trimmed)-1] == ',' {
				out = trimmed[:len(trimmed)-1]
			}
			out = append(out, c)
		default:
			out = append(out, c)
		}
	}
	return out
}
