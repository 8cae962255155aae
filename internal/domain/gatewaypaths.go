package domain

import "strings"

// The gateway listener also serves the token service's token and
// revocation endpoints, because API-manager clients post their password
// grants to the gateway (https://gateway:8243/token): /token and /revoke
// for the default tenant, /{tenant}/oauth2/token and /{tenant}/oauth2/revoke
// per tenant. These paths come first; ValidateAPI refuses any API that
// could reach one of them (ignoring case), so no API shadows them or is
// silently shadowed by them.

// GatewayTokenPath reports whether the gateway listener hands the
// (escaped) request path to the token service. A first segment that cannot
// be a tenant slug does not make a token path.
func GatewayTokenPath(path string) bool {
	if path == "/token" || path == "/revoke" {
		return true
	}
	if len(path) == 0 || path[0] != '/' {
		return false
	}
	tenant, rest, _ := strings.Cut(path[1:], "/")
	return (rest == "oauth2/token" || rest == "oauth2/revoke") && tenantSlug.MatchString(tenant)
}

// checkGatewayTokenPaths refuses an API that could match a path the
// gateway hands to the token service. a.Context is a valid path.
func checkGatewayTokenPaths(a *API) error {
	segs := strings.Split(a.Context[1:], "/")
	if strings.EqualFold(segs[0], "token") || strings.EqualFold(segs[0], "revoke") {
		return Invalid("context", "%q: /token and /revoke are the token service's paths on the gateway", a.Context)
	}
	if len(segs) > 1 && strings.EqualFold(segs[1], "oauth2") {
		return Invalid("context", "%q: /{tenant}/oauth2/… are the token service's paths on the gateway", a.Context)
	}
	if len(segs) > 1 {
		return nil
	}
	for _, r := range a.Resources {
		if templateMatches(r.Path, "oauth2", "token") || templateMatches(r.Path, "oauth2", "revoke") {
			return Invalid("resources", "%s %s under %s would match %s/oauth2/token or …/revoke, which are the token service's paths on the gateway",
				r.Method, r.Path, a.Context, a.Context)
		}
	}
	return nil
}

// templateMatches reports whether a path template ("/a/{b}") matches a
// path of exactly the given segments, ignoring case.
func templateMatches(template string, segs ...string) bool {
	ts := strings.Split(strings.TrimPrefix(template, "/"), "/")
	if len(ts) != len(segs) {
		return false
	}
	for i, t := range ts {
		if !strings.HasPrefix(t, "{") && !strings.EqualFold(t, segs[i]) {
			return false
		}
	}
	return true
}
