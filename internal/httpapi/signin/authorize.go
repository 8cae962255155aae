package signin

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
	"github.com/tollgate-dev/tollgate/internal/oauth"
)

// maxFormBytes bounds a page's form body: the pending authorization
// request rides in it, bounded as the token endpoint's bodies are.
const maxFormBytes = 64 << 10

// authorize serves GET and POST /{t}/oauth2/authorize (RFC 6749 §4.1.1;
// OIDC Core §3.1.2.1 allows POST with a form body).
func (h *Handler) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxFormBytes)
		if err := r.ParseForm(); err != nil {
			h.fail(w, r, route.TenantOf(r), oauth.InvalidRequest("malformed form body"))
			return
		}
		q = r.PostForm
	}
	h.resume(w, r, route.TenantOf(r), q, nil)
}

// resume carries the authorization request q (validated again: it came
// through the browser) on with signedIn, or the request's session when
// nil, and sends the browser wherever it goes next.
func (h *Handler) resume(w http.ResponseWriter, r *http.Request, tenant string, q url.Values, in *oauth.SignedIn) {
	ctx := r.Context()
	areq, err := h.oauth.ParseAuthorize(ctx, tenant, q)
	if err != nil {
		h.fail(w, r, tenant, err)
		return
	}
	if in == nil {
		sess, err := h.sessions.Find(ctx, r, areq.Tenant)
		if err != nil {
			h.fail(w, r, areq.Tenant, oauth.ServerError(err))
			return
		}
		in = &oauth.SignedIn{Session: sess}
	}
	d, err := h.oauth.Authorize(ctx, areq, in)
	if err == nil && in.Fresh && d.Next == oauth.NextConsent {
		// The sign-in just done satisfied prompt=login and max_age; the
		// consent form's request must not ask for another, or approving
		// would lead to the sign-in form, and from it to the consent page,
		// for ever. auth_time tells the client when it happened.
		areq.Params = reauthenticated(areq.Params)
	}
	h.next(w, r, areq, d, err)
}

// reauthenticated is q without what demands a new sign-in: max_age, and
// prompt's login and select_account (other prompt values stay).
func reauthenticated(q url.Values) url.Values {
	out := url.Values{}
	for k, vs := range q {
		out[k] = slices.Clone(vs)
	}
	out.Del("max_age")
	if p := q.Get("prompt"); p != "" {
		keep := slices.DeleteFunc(strings.Fields(p), func(x string) bool { return x == "login" || x == "select_account" })
		out.Del("prompt")
		if len(keep) > 0 {
			out.Set("prompt", strings.Join(keep, " "))
		}
	}
	return out
}

// next acts on an authorization decision.
func (h *Handler) next(w http.ResponseWriter, r *http.Request, areq *oauth.AuthorizeRequest, d *oauth.Decision, err error) {
	if err != nil {
		h.fail(w, r, areq.Tenant, err)
		return
	}
	switch d.Next {
	case oauth.NextLogin:
		http.Redirect(w, r, route.Prefix(areq.Tenant)+"/login?"+areq.Params.Encode(), http.StatusSeeOther)
	case oauth.NextConsent:
		h.showConsent(w, r, areq, d)
	default:
		http.Redirect(w, r, d.Location, http.StatusSeeOther)
	}
}

// showConsent asks the user to approve the client's scopes.
func (h *Handler) showConsent(w http.ResponseWriter, r *http.Request, areq *oauth.AuthorizeRequest, d *oauth.Decision) {
	p := h.newPage(w, r, areq.Tenant, "Allow access?")
	p.Client, p.User = areq.App.Name, d.UserID
	p.Action, p.Authz = route.Prefix(areq.Tenant)+"/login/consent", areq.Params.Encode()
	for _, s := range d.Scopes {
		p.Scopes = append(p.Scopes, scopeLine{ID: s, Description: h.describe(r.Context(), areq.Tenant, s)})
	}
	render(w, http.StatusOK, "consent", p, origin(areq.RedirectURI))
}

// oidcScopes describe the built-in scopes.
var oidcScopes = map[string]string{
	domain.ScopeOpenID:  "Sign you in with your account",
	domain.ScopeProfile: "See your name and username",
	domain.ScopeEmail:   "See your email address",
}

func (h *Handler) describe(ctx context.Context, tenant, scope string) string {
	if d, ok := oidcScopes[scope]; ok {
		return d
	}
	s, err := h.st.GetScope(ctx, tenant, scope)
	if err != nil {
		return ""
	}
	return s.Description
}

// consent serves POST /{t}/login/consent: the user's answer.
func (h *Handler) consent(w http.ResponseWriter, r *http.Request) {
	tenant := route.TenantOf(r)
	q, ok := h.readForm(w, r)
	if !ok {
		return
	}
	ctx := r.Context()
	areq, err := h.oauth.ParseAuthorize(ctx, tenant, q)
	if err != nil {
		h.fail(w, r, tenant, err)
		return
	}
	sess, err := h.sessions.Find(ctx, r, areq.Tenant)
	if err != nil {
		h.fail(w, r, areq.Tenant, oauth.ServerError(err))
		return
	}
	approved := r.PostFormValue("decision") == "approve"
	d, err := h.oauth.Consent(ctx, areq, &oauth.SignedIn{Session: sess}, approved)
	ev := domain.AuditEvent{Tenant: areq.Tenant, Action: domain.ActionConsent, ClientID: areq.App.ID}
	if sess != nil {
		ev.UserID = sess.UserID
	}
	switch {
	case !approved:
		ev.Outcome, ev.Reason = domain.OutcomeFailure, oauth.CodeAccessDenied
		h.record(ctx, r, ev)
	case err == nil && d.Next == oauth.NextRedirect:
		ev.Outcome = domain.OutcomeSuccess
		h.record(ctx, r, ev)
	}
	h.next(w, r, areq, d, err)
}

// forbidden is the answer to a form from elsewhere or with a stale token.
func forbidden() *oauth.Error {
	e := oauth.InvalidRequest("the form expired or did not come from this site; go back and try again")
	e.Status = http.StatusForbidden
	return e
}
