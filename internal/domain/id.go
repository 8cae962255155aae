package domain

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ValidID checks an entity id (user, role, scope, API, API token, tenant)
// before anything is stored under it. Every id is also a URL path segment
// of the admin API (…/users/{id}), so an id is refused unless it comes
// back unchanged from url.PathEscape, a client and net/http's ServeMux:
// "." and ".." are removed by path cleaning, and '%' (an escape to every
// client that builds the URL by hand), '/', control characters and
// leading or trailing white space change on the way or cannot be typed.
// The error names the id.
func ValidID(field, id string) error { return checkID(field, id, false) }

// checkID is ValidID, with '/' allowed when slashes is set: scopes may be
// URIs (RFC 8707 resources, "https://api.example/orders"), which the admin
// API takes %2F-escaped. ServeMux loses only the id "/" then.
func checkID(field, id string, slashes bool) error {
	switch {
	case id == "":
		return Invalid(field, "is required")
	case !utf8.ValidString(id):
		return Invalid(field, "%q is not valid UTF-8", id)
	case id == "." || id == ".." || id == "/":
		return Invalid(field, "%q cannot be an id: URL paths drop it", id)
	case strings.TrimSpace(id) != id:
		return Invalid(field, "%q may not start or end with white space", id)
	}
	for _, r := range id {
		switch {
		case unicode.IsControl(r):
			return Invalid(field, "%q may not contain control characters", id)
		case r == '%', r == '/' && !slashes:
			return Invalid(field, "%q may not contain %q", id, r)
		}
	}
	return nil
}
