// Package console serves the web console at /{t}/console/: the admin
// pages of a tenant and the developer portal of its users. It is the
// tenant's built-in public client "tollgate-console": a page that finds
// nobody signed in sends the browser through the tenant's authorization
// endpoint (code + PKCE), so sign-in, providers, prompt and max_age work
// as for any other client, and the session that sign-in starts is the
// console's credential afterwards: ending it signs the console out too.
//
// Pages call the admin use cases (package admin) directly, as the
// session's principal, so a form validates exactly as the admin API does.
package console

import (
	"context"
	"embed"
	"log/slog"
	"net/http"
	"time"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/htmlpage"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
	"github.com/tollgate-dev/tollgate/internal/oauth"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/session"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// staticPath is where the console's assets are served; "static" is a
// reserved tenant slug.
const staticPath = "/static/console-assets"

// pages are parsed once, each with the layout and the partials.
var pages = htmlpage.ParseDir(templateFS, funcs)

// Store is what the console reads itself.
type Store interface {
	GetTenant(ctx context.Context, id string) (*domain.Tenant, error)
}

// Config holds the console's dependencies.
type Config struct {
	OAuth    *oauth.Server
	Sessions *session.Manager
	Sealer   *secret.Sealer // seals the sign-in state cookie
	Store    Store
	// Admin performs what the pages do; Auth turns the session cookie
	// into the principal that does it.
	Admin  *admin.Service
	Auth   *admin.Authenticator
	Secure bool // https: Secure cookies with the __Host- prefix
	// GatewayURL is the API gateway's base URL, for the developer
	// portal's ready-made calls.
	GatewayURL string
	// KeyRotation is how long a signing key signs before the next one
	// takes over on its own (0: only by hand), for the keys page.
	KeyRotation time.Duration
	Logger      *slog.Logger
}

// Handler serves the console.
type Handler struct {
	Config
	forms *htmlpage.Forms
}

// New returns a Handler.
func New(c Config) *Handler { return &Handler{Config: c, forms: htmlpage.NewForms(c.Secure)} }

// Register adds the console's routes.
func (h *Handler) Register(m *route.Mux) {
	m.Tenant("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, route.Prefix(route.TenantOf(r))+"/console/", http.StatusMovedPermanently)
	})
	m.Tenant("GET /console/callback", h.callback)
	m.Handle("GET "+staticPath+"/", htmlpage.Static(staticFS, staticPath))
	h.registerOverview(m)
	h.registerUsers(m)
	h.registerApps(m)
	h.registerSettings(m)
	h.registerPortal(m)
}

// csp: console pages load and call only their own origin, run no inline
// script and are never framed. Pico draws its form controls' icons as
// data: images.
const csp = "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"

// render writes page name for the visit v (nil on pages shown before
// sign-in).
func (h *Handler) render(w http.ResponseWriter, r *http.Request, v *visit, status int, name string, p *page) {
	tenant := route.TenantOf(r)
	p.Tenant, p.TenantName, p.Static = tenant, tenant, staticPath
	p.Base = route.Prefix(tenant) + "/console"
	if t, err := h.Store.GetTenant(r.Context(), tenant); err == nil && t.Name != "" {
		p.TenantName = t.Name
	}
	if v != nil {
		p.CSRF = h.forms.Token(w, r)
		p.User, p.Admin, p.Bootstrap = v.P.Subject, v.admin(), v.P.Bootstrap
		p.SignOut = route.Prefix(v.SessionTenant) + "/oauth2/logout"
		if v.P.Bootstrap {
			p.User = "the bootstrap token"
			p.Until = v.P.Until.UTC().Format("15:04 UTC")
		}
	}
	htmlpage.Write(w, status, pages[name], p, csp)
}

// problem shows why the console could not sign the user in.
func (h *Handler) problem(w http.ResponseWriter, r *http.Request, status int, msg string) {
	h.render(w, r, nil, status, "problem", &page{Title: "Sign-in problem", Problem: msg,
		Retry: route.Prefix(route.TenantOf(r)) + "/console/"})
}
