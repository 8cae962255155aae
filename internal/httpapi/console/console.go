// Package console serves the web console at /{t}/console/. It is the
// tenant's built-in public client "tollgate-console": a page that finds
// nobody signed in sends the browser through the tenant's authorization
// endpoint (code + PKCE), so sign-in, providers, prompt and max_age work
// as for any other client, and the session that sign-in starts is the
// console's credential afterwards: ending it signs the console out too.
package console

import (
	"context"
	"embed"
	"log/slog"
	"net/http"

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

var pages = htmlpage.Parse(templateFS, "overview", "problem")

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
	Secure   bool // https: Secure cookies with the __Host- prefix
	Logger   *slog.Logger
}

// Handler serves the console.
type Handler struct{ Config }

// New returns a Handler.
func New(c Config) *Handler { return &Handler{c} }

// Register adds the console's routes.
func (h *Handler) Register(m *route.Mux) {
	m.Tenant("GET /console/{$}", h.overview)
	m.Tenant("GET /console", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, route.Prefix(route.TenantOf(r))+"/console/", http.StatusMovedPermanently)
	})
	m.Tenant("GET /console/callback", h.callback)
	m.Handle("GET "+staticPath+"/", htmlpage.Static(staticFS, staticPath))
}

// page is what the console's pages show.
type page struct {
	Title, TenantName, Static, User, SignOut, Problem, Retry string
	Until                                                    string // a bootstrap session's end
}

// overview serves the console's home page to a signed-in user.
func (h *Handler) overview(w http.ResponseWriter, r *http.Request) {
	tenant := route.TenantOf(r)
	sess, ok := h.signedIn(w, r, tenant)
	if !ok {
		return
	}
	p := &page{Title: "Overview", User: sess.UserID, SignOut: route.Prefix(tenant) + "/oauth2/logout"}
	if sess.Bootstrap {
		p.User = "the bootstrap token"
		p.Until = sess.ExpiresAt.UTC().Format("15:04 UTC")
	}
	h.render(w, r, http.StatusOK, "overview", p)
}

// signedIn returns the request's session, or answers: a redirect through
// sign-in back to this page, or an error page.
func (h *Handler) signedIn(w http.ResponseWriter, r *http.Request, tenant string) (*domain.Session, bool) {
	sess, err := h.Sessions.Find(r.Context(), r, tenant)
	if err != nil {
		h.Logger.WarnContext(r.Context(), "console: find session", "tenant", tenant, "err", err)
		h.problem(w, r, http.StatusServiceUnavailable, "The service is temporarily unavailable. Try again shortly.")
		return nil, false
	}
	if sess == nil {
		h.startSignIn(w, r, tenant)
		return nil, false
	}
	return sess, true
}

// render writes a console page. Console pages may load and call only
// their own origin: no inline script, never framed.
func (h *Handler) render(w http.ResponseWriter, r *http.Request, status int, name string, p *page) {
	tenant := route.TenantOf(r)
	p.TenantName, p.Static = tenant, staticPath
	if t, err := h.Store.GetTenant(r.Context(), tenant); err == nil && t.Name != "" {
		p.TenantName = t.Name
	}
	// Pico draws its form controls' icons as data: images.
	htmlpage.Write(w, status, pages[name], p,
		"default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'")
}

// problem shows why the console could not sign the user in.
func (h *Handler) problem(w http.ResponseWriter, r *http.Request, status int, msg string) {
	h.render(w, r, status, "problem", &page{Title: "Sign-in problem", Problem: msg,
		Retry: route.Prefix(route.TenantOf(r)) + "/console/"})
}
