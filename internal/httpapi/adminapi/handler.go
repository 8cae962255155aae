// Package adminapi serves the JSON:API admin API (DESIGN §2 "Admin API"):
// it authenticates the caller, decodes requests into admin use cases and
// encodes their results. Permissions live in package admin.
package adminapi

import (
	"log/slog"
	"net/http"
	"net/url"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/authheader"
	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
)

// Config holds the admin API's dependencies.
type Config struct {
	Service *admin.Service
	Auth    *admin.Authenticator
	Logger  *slog.Logger
	// Cookies names the tenants' session cookies, which authenticate
	// calls from this server's own pages; nil: bearer tokens only.
	Cookies SessionCookies
	// Origin is the public URL's origin, which a cookie-authenticated
	// call must come from (or say Sec-Fetch-Site: same-origin).
	Origin string
}

// SessionCookies names a tenant's browser-session cookie (session.Manager).
type SessionCookies interface {
	CookieName(tenant string) string
}

// Handler serves the admin API.
type Handler struct{ Config }

// New returns a Handler.
func New(c Config) *Handler {
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return &Handler{c}
}

// call is what every admin request carries once authenticated.
type call struct {
	p      admin.Principal
	tenant string
}

// handlerFunc is an admin endpoint: it returns its error rather than
// writing it, so errors are written in one place.
type handlerFunc func(w http.ResponseWriter, r *http.Request, c call) error

// wrap is authenticate for every endpoint but the gateway feed: a
// gateway credential may read the feed and nothing else, so it is refused
// here before any handler runs.
func (h *Handler) wrap(fn handlerFunc) http.HandlerFunc {
	return h.authenticate(func(w http.ResponseWriter, r *http.Request, c call) error {
		if c.p.GatewayCredential != "" {
			return admin.ErrForbidden
		}
		return fn(w, r, c)
	})
}

// authenticate authenticates the request for the tenant its URL names,
// runs fn and writes any error it returns.
func (h *Handler) authenticate(fn handlerFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tenant := route.TenantOf(r)
		c, err := authheader.Parse(r.Header)
		var p admin.Principal
		switch {
		case err != nil:
		case c.Scheme == "" && h.sessionCookie(r, tenant) != nil:
			p, err = h.authenticateSession(r, tenant)
		default:
			// Another scheme is no bearer token: unauthenticated.
			if c.Scheme != authheader.Bearer {
				c.Token = ""
			}
			p, err = h.Auth.Authenticate(r.Context(), tenant, c.Token)
		}
		if err == nil {
			err = fn(w, r, call{p: p, tenant: tenant})
		}
		if err != nil {
			writeError(w, r, h.Logger, err)
		}
	}
}

// memberPath is the URL of the member id of the collection r addresses.
func memberPath(r *http.Request, id string) string {
	return strings.TrimSuffix(r.URL.EscapedPath(), "/") + "/" + url.PathEscape(id)
}

// writeCreated answers a POST with 201, Location and the new resource.
func writeCreated(w http.ResponseWriter, r *http.Request, res jsonapi.Resource) error {
	self := memberPath(r, res.ID)
	w.Header().Set("Location", self)
	writeOne(w, http.StatusCreated, res, self)
	return nil
}

// writeOne answers with one resource whose URL is self.
func writeOne(w http.ResponseWriter, status int, res jsonapi.Resource, self string) {
	res.Links = &jsonapi.Links{Self: self}
	jsonapi.Write(w, status, jsonapi.Document{Data: &res, Links: &jsonapi.Links{Self: self}})
}

// writeList answers with a page of resources and the link to the next.
func writeList(w http.ResponseWriter, r *http.Request, items []jsonapi.Resource, next string) error {
	for i := range items {
		items[i].Links = &jsonapi.Links{Self: memberPath(r, items[i].ID)}
	}
	links := &jsonapi.Links{Self: r.URL.RequestURI(), Next: jsonapi.NextLink(r, next)}
	jsonapi.Write(w, http.StatusOK, jsonapi.Document{Data: items, Links: links})
	return nil
}

// noContent answers a DELETE.
func noContent(w http.ResponseWriter) error {
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// resources converts a page of records with conv.
func resources[T any](xs []T, conv func(*T) jsonapi.Resource) []jsonapi.Resource {
	out := make([]jsonapi.Resource, 0, len(xs))
	for i := range xs {
		out = append(out, conv(&xs[i]))
	}
	return out
}
