package signin

import (
	"embed"
	"net/http"
	"net/url"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/httpapi/htmlpage"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
	"github.com/tollgate-dev/tollgate/internal/oauth"
)

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// staticPath is where the pages' assets are served; "static" is a
// reserved tenant slug, so no tenant's paths shadow it.
const staticPath = "/static/signin"

// pages are parsed once: each is the layout with its own content.
var pages = htmlpage.Parse(templateFS, "login", "consent", "message", "logout")

// page is what every page shows; Data holds the page's own fields.
type page struct {
	Title      string
	TenantName string
	Static     string
	CSRF       string
	Action     string
	Authz      string // the pending authorization request, encoded
	// The pages' own fields; unused ones stay empty.
	Client, User, Username, Error, Message, Detail string
	// Setup offers the bootstrap token's first-time setup (the default
	// tenant's sign-in page).
	Setup     bool
	Providers []providerLink
	Scopes    []scopeLine
}

type providerLink struct{ Name, URL string }

type scopeLine struct{ ID, Description string }

// render writes page name with status. formTarget, when set, is the
// origin a form on the page may end up at after its redirect: browsers
// apply form-action to the redirects that follow a submission.
func render(w http.ResponseWriter, status int, name string, p *page, formTarget string) {
	formAction := "'self'"
	if formTarget != "" {
		formAction += " " + formTarget
	}
	// No script at all; forms only to us (and the client the sign-in
	// returns to); never framed, so no clickjacking of the buttons.
	htmlpage.Write(w, status, pages[name], p, "default-src 'none'; style-src 'self'; img-src 'self'; form-action "+
		formAction+"; frame-ancestors 'none'; base-uri 'none'")
}

// origin is scheme://host of uri, for a CSP source; for a URI without a
// host (a native app's private-use scheme, com.example.app:/callback) the
// scheme-source "scheme:"; "" when it has no scheme.
func origin(uri string) string {
	u, err := url.Parse(uri)
	if err != nil || u.Scheme == "" || strings.ContainsAny(u.Host, " ;,'") {
		return ""
	}
	if u.Host == "" {
		if u.Scheme == "http" || u.Scheme == "https" {
			return ""
		}
		return u.Scheme + ":" // url.Parse allows only [a-zA-Z0-9+.-] in it
	}
	return u.Scheme + "://" + u.Host
}

// readForm reads a POST of one of our pages: from our origin, with its
// CSRF token, and the pending request it carries back (field authz). On a
// failure it has answered and ok is false.
func (h *Handler) readForm(w http.ResponseWriter, r *http.Request) (authz url.Values, ok bool) {
	r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
	if err := r.ParseForm(); err != nil || !h.forms.Check(r) {
		h.fail(w, r, route.TenantOf(r), forbidden())
		return nil, false
	}
	authz, err := url.ParseQuery(r.PostFormValue("authz"))
	if err != nil {
		h.fail(w, r, route.TenantOf(r), oauth.InvalidRequest("malformed request in the form"))
		return nil, false
	}
	return authz, true
}
