package domain

import (
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"
)

// API is an upstream service published through the gateway. Its context
// is unique across all tenants, so the gateway URL /{context}/… names one
// API without a tenant prefix; tokens must still belong to its tenant.
type API struct {
	Tenant    string
	ID        string // the API's name
	Context   string // "/orders/v1": the gateway path prefix
	Upstream  string // "http://127.0.0.1:9000": where requests go
	Resources []APIResource
	CreatedAt time.Time
	UpdatedAt time.Time

	// OperatorUpstream: the operator (bootstrap token) set Upstream, so
	// the gateway may reach any address but its own listeners; a tenant
	// admin's upstream must be public or on the operator's allow-list.
	OperatorUpstream bool
}

// APIResource is one operation of an API. A request needs a valid token
// of the API's tenant holding every scope in Scopes, or nothing when
// Public.
type APIResource struct {
	Method string // "GET", …
	Path   string // template relative to the context: "/items/{id}"
	Scopes []string
	Public bool
}

// Limits of an API definition.
const (
	MaxAPIResources  = 200
	maxAPIPath       = 200
	maxAPIPathParams = 20
)

var apiMethods = []string{http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut,
	http.MethodPatch, http.MethodDelete, http.MethodOptions}

// ValidateAPI checks an API before it is stored. Paths are restricted to
// plain segments so that what the gateway matches is exactly what an
// administrator wrote: no dot segments, no escapes, no empty segments.
func ValidateAPI(a *API) error {
	if err := checkName("id", a.ID, 100); err != nil {
		return err
	}
	if err := checkAPIPath("context", a.Context, false); err != nil {
		return err
	}
	if a.Context == "/" {
		return Invalid("context", "may not be \"/\"")
	}
	if err := checkGatewayTokenPaths(a); err != nil { // gatewaypaths.go
		return err
	}
	if err := checkUpstream(a.Upstream); err != nil {
		return err
	}
	if len(a.Resources) > MaxAPIResources {
		return Invalid("resources", "more than %d", MaxAPIResources)
	}
	seen := map[string]bool{}
	for i := range a.Resources {
		r := &a.Resources[i]
		if !slices.Contains(apiMethods, r.Method) {
			return Invalid("resources", "unknown method %q", r.Method)
		}
		if err := checkAPIPath("resources", r.Path, true); err != nil {
			return err
		}
		if err := checkScopes("resources", r.Scopes); err != nil {
			return err
		}
		if r.Public && len(r.Scopes) > 0 {
			return Invalid("resources", "%s %s is public and cannot require scopes", r.Method, r.Path)
		}
		// Two templates differing only in parameter names match the same
		// requests; refuse them rather than pick one silently.
		key := r.Method + " " + TemplateShape(r.Path)
		if seen[key] {
			return Invalid("resources", "%s %s is defined twice", r.Method, r.Path)
		}
		seen[key] = true
	}
	return nil
}

// ContextsClash reports whether two APIs' contexts may not coexist: equal
// in any letter case, or, for APIs of different tenants, one a
// whole-segment prefix of the other. The gateway routes to the longest
// matching context, so /orders of one tenant would otherwise receive
// /orders/v3/… meant for another tenant's /orders/v1 — and its callers'
// tokens.
func ContextsClash(a, b string, sameTenant bool) bool {
	a, b = strings.ToLower(a), strings.ToLower(b)
	if a == b {
		return true
	}
	if sameTenant {
		return false
	}
	return strings.HasPrefix(a, b+"/") || strings.HasPrefix(b, a+"/")
}

// TemplateShape replaces each {param} of a path template by {}.
func TemplateShape(path string) string {
	segs := strings.Split(path, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, "{") {
			segs[i] = "{}"
		}
	}
	return strings.Join(segs, "/")
}

// checkAPIPath accepts "/" or "/seg/seg" where a segment is made of
// letters, digits and -._~ (not "." or ".."), or, in templates, {name}.
func checkAPIPath(field, p string, template bool) error {
	if p == "" || p[0] != '/' {
		return Invalid(field, "path %q must start with '/'", p)
	}
	if len(p) > maxAPIPath {
		return Invalid(field, "path longer than %d bytes", maxAPIPath)
	}
	if p == "/" {
		return nil
	}
	params := 0
	for _, seg := range strings.Split(p[1:], "/") {
		if template && len(seg) > 2 && seg[0] == '{' && seg[len(seg)-1] == '}' {
			if !plainSegment(seg[1 : len(seg)-1]) {
				return Invalid(field, "bad parameter %q in %q", seg, p)
			}
			if params++; params > maxAPIPathParams {
				return Invalid(field, "too many parameters in %q", p)
			}
			continue
		}
		if seg == "" || seg == "." || seg == ".." || !plainSegment(seg) {
			return Invalid(field, "path %q: segments are letters, digits and -._~ (no empty, '.' or '..' segments, no '%%')", p)
		}
	}
	return nil
}

func plainSegment(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		ok := c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' ||
			c == '-' || c == '.' || c == '_' || c == '~'
		if !ok {
			return false
		}
	}
	return true
}

// checkUpstream accepts an absolute http(s) URL without credentials,
// query or fragment; the request path is appended to its path.
func checkUpstream(s string) error {
	u, err := url.Parse(s)
	if err != nil || s == "" {
		return Invalid("upstream", "not a URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return Invalid("upstream", "must be an http or https URL")
	}
	if u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		return Invalid("upstream", "must be scheme://host[:port][/path], without credentials, query or fragment")
	}
	if len(s) > 2000 {
		return Invalid("upstream", "longer than 2000 bytes")
	}
	return nil
}
