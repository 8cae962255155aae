// Package signin serves browser sign-in: the authorization endpoint, the
// sign-in and consent pages, sign-in through external providers and
// RP-initiated logout. Protocol decisions are package oauth's, sessions
// package session's; this package speaks HTML and HTTP.
package signin

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/url"

	"github.com/tollgate-dev/tollgate/internal/audit"
	"github.com/tollgate-dev/tollgate/internal/authn"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/htmlpage"
	"github.com/tollgate-dev/tollgate/internal/httpapi/reqid"
	"github.com/tollgate-dev/tollgate/internal/oauth"
	"github.com/tollgate-dev/tollgate/internal/session"
)

// Store is what the pages read besides what oauth and session do.
type Store interface {
	GetTenant(ctx context.Context, id string) (*domain.Tenant, error)
	GetScope(ctx context.Context, tenant, id string) (*domain.Scope, error)
}

// Config holds the Handler's dependencies.
type Config struct {
	OAuth     *oauth.Server
	Sessions  *session.Manager
	Passwords *authn.Passwords
	Store     Store
	// Federation signs users in through external providers; nil: none.
	Federation Federation
	// Bootstrap knows the bootstrap token, which the default tenant's
	// sign-in page takes for the console's first-time setup.
	Bootstrap Bootstrap
	Events    audit.Sink
	// PublicURL is the server's external base URL; https means Secure
	// cookies.
	PublicURL string
	Logger    *slog.Logger
}

// Handler serves the pages.
type Handler struct {
	oauth     *oauth.Server
	sessions  *session.Manager
	passwords *authn.Passwords
	st        Store
	fed       Federation
	bootstrap Bootstrap
	events    audit.Sink
	secure    bool
	log       *slog.Logger
	// forms refuses forms posted from other sites.
	forms *htmlpage.Forms
}

// New returns a Handler.
func New(c Config) *Handler {
	u, _ := url.Parse(c.PublicURL)
	secure := u != nil && u.Scheme == "https"
	return &Handler{
		oauth: c.OAuth, sessions: c.Sessions, passwords: c.Passwords, st: c.Store, fed: c.Federation, bootstrap: c.Bootstrap,
		events: c.Events, secure: secure, log: c.Logger,
		forms: htmlpage.NewForms(secure),
	}
}

// tenantName is what the pages call the tenant.
func (h *Handler) tenantName(ctx context.Context, tenant string) string {
	if t, err := h.st.GetTenant(ctx, tenant); err == nil && t.Name != "" {
		return t.Name
	}
	return tenant
}

// newPage starts a page of tenant with the request's CSRF token.
func (h *Handler) newPage(w http.ResponseWriter, r *http.Request, tenant, title string) *page {
	return &page{Title: title, TenantName: h.tenantName(r.Context(), tenant), Static: staticPath, CSRF: h.forms.Token(w, r)}
}

// fail shows err on a page, or sends it to the client when it is a
// *oauth.RedirectError (RFC 6749 §4.1.2.1).
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, tenant string, err error) {
	var re *oauth.RedirectError
	if errors.As(err, &re) {
		http.Redirect(w, r, re.Location(), http.StatusSeeOther)
		return
	}
	e := oauth.AsError(err)
	if e.Status >= 500 {
		h.log.ErrorContext(r.Context(), "sign-in request failed", "path", r.URL.Path, "request_id", reqid.From(r.Context()), "err", e.Cause)
	}
	p := h.newPage(w, r, tenant, "Sign-in problem")
	p.Error, p.Message = "yes", "This sign-in request cannot be completed."
	p.Detail = e.Description
	if e.Status >= 500 {
		p.Detail = "The service is temporarily unavailable. Try again shortly."
	}
	render(w, e.Status, "message", p, "")
}

// record audits a sign-in event.
func (h *Handler) record(ctx context.Context, r *http.Request, e audit.Event) {
	if h.events == nil {
		return
	}
	o := audit.OriginFrom(ctx)
	e.RequestID, e.RemoteAddr = o.RequestID, o.RemoteAddr
	if e.RemoteAddr == "" {
		e.RemoteAddr = remoteIP(r)
	}
	h.events.Record(e)
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}
