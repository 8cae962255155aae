package signin

import (
	"errors"
	"net/http"
	"net/url"
	"strconv"

	"github.com/tollgate-dev/tollgate/internal/authn"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
	"github.com/tollgate-dev/tollgate/internal/oauth"
	"github.com/tollgate-dev/tollgate/internal/secret"
	"github.com/tollgate-dev/tollgate/internal/throttle"
)

// loginForm is the sign-in page's state between GET and POST.
type loginForm struct {
	tenant   string
	authz    url.Values              // the pending authorization request; empty: none
	areq     *oauth.AuthorizeRequest // authz validated; nil without one
	username string
}

// parseLogin reads the pending authorization request, if any, and
// validates it, so a page is never shown for a request that would fail.
func (h *Handler) parseLogin(r *http.Request, authz url.Values) (*loginForm, error) {
	f := &loginForm{tenant: route.TenantOf(r), authz: authz}
	if len(authz) == 0 {
		return f, h.oauth.CheckTenant(r.Context(), f.tenant)
	}
	areq, err := h.oauth.ParseAuthorize(r.Context(), f.tenant, authz)
	if err != nil {
		return nil, err
	}
	f.areq, f.tenant = areq, areq.Tenant
	return f, nil
}

// loginPage serves GET /{t}/login: the form, for the authorization
// request in the query.
func (h *Handler) loginPage(w http.ResponseWriter, r *http.Request) {
	f, err := h.parseLogin(r, r.URL.Query())
	if err != nil {
		h.fail(w, r, route.TenantOf(r), err)
		return
	}
	if f.areq != nil {
		f.username = f.areq.LoginHint
	}
	h.showLogin(w, r, f, http.StatusOK, "")
}

func (h *Handler) showLogin(w http.ResponseWriter, r *http.Request, f *loginForm, status int, problem string) {
	p := h.newPage(w, r, f.tenant, "Sign in")
	p.Action, p.Authz, p.Username, p.Error = route.Prefix(f.tenant)+"/login", f.authz.Encode(), f.username, problem
	p.Setup = h.offersSetup(f)
	target := ""
	if f.areq != nil {
		p.Client, target = f.areq.App.Name, origin(f.areq.RedirectURI)
	}
	if h.fed != nil {
		providers, err := h.fed.Providers(r.Context(), f.tenant)
		if err != nil {
			h.log.WarnContext(r.Context(), "list identity providers", "tenant", f.tenant, "err", err)
		}
		for _, idp := range providers {
			u := route.Prefix(f.tenant) + "/login/federate/" + url.PathEscape(idp.ID)
			if len(f.authz) > 0 {
				u += "?" + f.authz.Encode()
			}
			p.Providers = append(p.Providers, providerLink{Name: idp.DisplayName, URL: u})
		}
	}
	render(w, status, "login", p, target)
}

// login serves POST /{t}/login: the credentials, checked through the
// authentication core with the password grant's throttling and answers.
func (h *Handler) login(w http.ResponseWriter, r *http.Request) {
	authz, ok := h.readForm(w, r)
	if !ok {
		return
	}
	f, err := h.parseLogin(r, authz)
	if err != nil {
		h.fail(w, r, route.TenantOf(r), err)
		return
	}
	if r.PostFormValue("bootstrap_token") != "" && h.offersSetup(f) {
		h.setup(w, r, f)
		return
	}
	ctx := r.Context()
	f.username = r.PostFormValue("username")
	ev := domain.AuditEvent{Tenant: f.tenant, Action: domain.ActionSignIn, UserID: f.username}
	if f.areq != nil {
		ev.ClientID = f.areq.App.ID
	}
	user, _, err := h.passwords.Check(ctx, f.tenant, f.username, r.PostFormValue("password"), remoteIP(r))
	if err != nil {
		status, problem, reason := loginProblem(err)
		if status >= 500 && !errors.Is(err, secret.ErrOverloaded) {
			h.fail(w, r, f.tenant, oauth.ServerError(err))
			return
		}
		ev.Outcome, ev.Reason = domain.OutcomeFailure, reason
		h.record(ctx, r, ev)
		if le := (*throttle.LimitedError)(nil); errors.As(err, &le) {
			w.Header().Set("Retry-After", strconv.Itoa(int(le.RetryAfter.Seconds())))
		}
		h.showLogin(w, r, f, status, problem)
		return
	}
	ev.Outcome, ev.UserID = domain.OutcomeSuccess, user.ID
	h.record(ctx, r, ev)
	h.signedIn(w, r, f.tenant, user.ID, []string{domain.AMRPassword}, authz)
}

// loginProblem puts a refused sign-in in the page's words: one message
// for every wrong username or password, as the password grant does. The
// form comes back with 200: a 401 would need an HTTP authentication
// challenge (RFC 9110 §15.5.2), which a form is not.
func loginProblem(err error) (status int, problem, reason string) {
	var le *throttle.LimitedError
	switch {
	case errors.Is(err, authn.ErrBadCredentials), errors.Is(err, authn.ErrNoPassword):
		// Alike, so the page names no account that a provider signs in;
		// the page points every refusal to the provider buttons instead.
		return http.StatusOK, "Wrong username or password.", oauth.CodeInvalidGrant
	case errors.As(err, &le):
		return http.StatusTooManyRequests, "Too many attempts. Wait " + strconv.Itoa(int(le.RetryAfter.Seconds())+1) + " seconds and try again.", oauth.ReasonThrottled
	case errors.Is(err, secret.ErrOverloaded):
		return http.StatusServiceUnavailable, "The service is busy. Try again in a moment.", oauth.CodeTemporarilyUnavailable
	}
	return http.StatusInternalServerError, "", oauth.CodeServerError
}

// signedIn starts a session for userID, ending the one the browser had,
// and carries the authorization request authz on; without one it says
// the user is signed in.
func (h *Handler) signedIn(w http.ResponseWriter, r *http.Request, tenant, userID string, methods []string, authz url.Values) {
	ctx := r.Context()
	old, err := h.sessions.Find(ctx, r, tenant)
	if err == nil && old != nil {
		_, err = h.sessions.End(ctx, tenant, old)
	}
	if err != nil {
		h.fail(w, r, tenant, oauth.ServerError(err))
		return
	}
	sess, cookie, err := h.sessions.Start(ctx, tenant, userID, methods)
	if err != nil {
		h.fail(w, r, tenant, oauth.ServerError(err))
		return
	}
	http.SetCookie(w, cookie)
	if len(authz) > 0 {
		h.resume(w, r, tenant, authz, &oauth.SignedIn{Session: sess, Fresh: true})
		return
	}
	p := h.newPage(w, r, tenant, "Signed in")
	p.Message = "You are signed in as " + userID + "."
	render(w, http.StatusOK, "message", p, "")
}

// offersSetup reports whether the page takes the bootstrap token: the
// default tenant's, on its own or for the console.
func (h *Handler) offersSetup(f *loginForm) bool {
	return h.bootstrap != nil && f.tenant == domain.DefaultTenant &&
		(f.areq == nil || f.areq.App.ID == domain.ConsoleApplicationID)
}
