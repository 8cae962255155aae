package console

import (
	"net/http"
	"slices"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
)

// The developer portal: every signed-in user's own applications, API
// tokens, sessions and consents, and the tenant's APIs. Each page acts as
// the session's user through the portal's use cases (package admin,
// oauth.IssueForPortal), which decide what the user may reach.
func (h *Handler) registerPortal(m *route.Mux) {
	m.Tenant("GET /console/my/apps", h.myApps)
	m.Tenant("POST /console/my/apps", h.registerApp)
	m.Tenant("GET /console/my/apps/{id}", h.myApp)
	m.Tenant("POST /console/my/apps/{id}/secret", h.rotateAppSecret)
	m.Tenant("POST /console/my/apps/{id}/token", h.issueAppToken)
	m.Tenant("POST /console/my/apps/{id}/delete", h.act("Application", "my-apps", "apps", "app-deleted",
		func(r *http.Request, v *visit) error {
			return h.Admin.DeleteOwnApplication(r.Context(), v.P, v.Tenant, r.PathValue("id"))
		}))
	m.Tenant("GET /console/my/tokens", h.myTokens)
	m.Tenant("POST /console/my/tokens", h.createToken)
	m.Tenant("POST /console/my/tokens/{id}/delete", h.act("My API tokens", "my-tokens", "tokens", "token-deleted",
		func(r *http.Request, v *visit) error {
			return h.Admin.DeleteAPIToken(r.Context(), v.P, v.Tenant, v.P.Subject, r.PathValue("id"))
		}))
	m.Tenant("GET /console/my/sessions", h.mySessions)
	// Sessions are read on every request, so the ended one's browser is
	// signed out at once.
	m.Tenant("POST /console/my/sessions/{id}/end", h.act("Sessions and consents", "my-sessions", "sessions", "session-ended",
		func(r *http.Request, v *visit) error {
			return h.Admin.EndSession(r.Context(), v.P, v.Tenant, v.P.Subject, r.PathValue("id"))
		}))
	m.Tenant("POST /console/my/consents/{client}/revoke", h.act("Sessions and consents", "my-sessions", "sessions", "consent-revoked",
		func(r *http.Request, v *visit) error {
			return h.Admin.RevokeConsent(r.Context(), v.P, v.Tenant, v.P.Subject, r.PathValue("client"))
		}))
	m.Tenant("GET /console/my/apis", h.myAPIs)
}

// portalFlash are the messages a redirect after a successful form may
// ask for, by a fixed code in its query: nothing a link could forge
// becomes text on the page.
var portalFlash = map[string]string{
	"registered":      "Application registered. Generate a secret to use it with client credentials.",
	"app-deleted":     "Application deleted.",
	"token-deleted":   "API token deleted: it stopped working at once.",
	"session-ended":   "Session ended: that browser is signed out.",
	"consent-revoked": "Consent revoked: the application asks you again next time.",
}

func flashOf(r *http.Request) string { return portalFlash[r.URL.Query().Get("done")] }

// portalPath is the portal page rest of tenant, with an optional flash code.
func portalPath(v *visit, rest, done string) string {
	p := route.Prefix(v.Tenant) + "/console/my/" + rest
	if done != "" {
		p += "?done=" + done
	}
	return p
}

// grantable are the scopes of v's user that an application or token of
// theirs may hold: never the admin scope, which the use cases refuse
// anyway, so the forms do not offer it.
func grantable(v *visit) []string {
	out := slices.DeleteFunc(slices.Clone(v.P.Scopes), func(s string) bool {
		return s == domain.AdminScope || domain.IsOIDCScope(s)
	})
	slices.Sort(out)
	return slices.Compact(out)
}

// shown is a secret for the "secret" partial: shown in this answer only.
// With CallURL, the partial shows it inside a ready-made curl call of that
// URL, so the page renders the secret once and both copy buttons use it.
type shown struct{ ID, Value, CallURL string }

// lines splits a textarea into its non-empty lines.
func lines(s string) []string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// act serves a portal form that is one button: do, as the visit's
// user, then back to page rest with flash code done; the use case's
// error on a page of its own.
func (h *Handler) act(title, section, rest, done string, do func(r *http.Request, v *visit) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, ok := h.readForm(w, r, h.userVisit)
		if !ok {
			return
		}
		if err := do(r, v); err != nil {
			h.failPage(w, r, v, title, section, err)
			return
		}
		seeOther(w, r, portalPath(v, rest, done))
	}
}

// failPage answers a portal page's use-case error that belongs to no
// form (a list that could not be read, something not found).
func (h *Handler) failPage(w http.ResponseWriter, r *http.Request, v *visit, title, section string, err error) {
	f := newForm(nil)
	status := f.fail(h, r, err, "")
	h.render(w, r, v, status, "message", &page{Title: title, Section: section, Message: f.Error})
}
