// Package route registers handlers on a ServeMux under every path a
// tenant-scoped URL has: /{tenant}/… and, for the default tenant, the bare
// path (DESIGN §2 "Tenants in URLs").
package route

import (
	"net/http"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Mux wraps http.ServeMux with tenant-aware registration.
type Mux struct {
	*http.ServeMux
}

// New returns an empty Mux.
func New() *Mux { return &Mux{http.NewServeMux()} }

// Tenant registers h for "METHOD /path" and "METHOD /{tenant}/path".
func (m *Mux) Tenant(pattern string, h http.HandlerFunc) {
	method, path, ok := strings.Cut(pattern, " ")
	if !ok {
		panic("route: pattern needs a method: " + pattern)
	}
	m.HandleFunc(pattern, h)
	m.HandleFunc(method+" /{tenant}"+path, h)
}

// TenantOf returns the tenant a request addresses: the {tenant} path value,
// or the default tenant on unprefixed paths.
func TenantOf(r *http.Request) string {
	if t := r.PathValue("tenant"); t != "" {
		return t
	}
	return domain.DefaultTenant
}

// Prefix is the path prefix of tenant's URLs on this server: "" for the
// default tenant, whose URLs are also unprefixed, else "/tenant".
func Prefix(tenant string) string {
	if tenant == domain.DefaultTenant {
		return ""
	}
	return "/" + tenant
}
