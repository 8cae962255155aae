package console

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"time"

	"golang.org/x/oauth2"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
	"github.com/tollgate-dev/tollgate/internal/oauth"
)

// signInTTL bounds how long a sign-in may take from the console's
// redirect to its callback.
const signInTTL = 10 * time.Minute

// pending is a sign-in on its way: kept, sealed with the master key, in
// a cookie bound to the tenant, so any node can finish it.
type pending struct {
	State    string `json:"s"`
	Verifier string `json:"v"`
	Return   string `json:"r"` // the console page to come back to
	Expires  int64  `json:"e"`
}

func (h *Handler) stateCookie(tenant string) string {
	if h.Secure {
		return "__Host-tollgate-console-" + tenant
	}
	return "tollgate-console-" + tenant
}

func stateAD(tenant string) []byte { return []byte("console-sign-in:" + tenant) }

// startSignIn sends the browser to the tenant's authorization endpoint as
// the console client, to come back to the page it asked for.
func (h *Handler) startSignIn(w http.ResponseWriter, r *http.Request, tenant string) {
	back := r.URL.Path
	if r.URL.RawQuery != "" {
		back += "?" + r.URL.RawQuery
	}
	p := pending{State: rand.Text(), Verifier: oauth2.GenerateVerifier(), Return: back,
		Expires: time.Now().Add(signInTTL).Unix()}
	plain, _ := json.Marshal(p)
	sealed, err := h.Sealer.Seal(plain, stateAD(tenant))
	if err != nil {
		h.problem(w, r, http.StatusInternalServerError, "The sign-in could not start.")
		return
	}
	http.SetCookie(w, &http.Cookie{Name: h.stateCookie(tenant), Value: base64.RawURLEncoding.EncodeToString(sealed),
		Path: "/", MaxAge: int(signInTTL / time.Second), HttpOnly: true, Secure: h.Secure, SameSite: http.SameSiteLaxMode})
	q := url.Values{"response_type": {"code"}, "client_id": {domain.ConsoleApplicationID},
		"redirect_uri": {h.OAuth.ConsoleCallback(tenant)}, "scope": {domain.ScopeOpenID}, "state": {p.State},
		"code_challenge": {oauth2.S256ChallengeFromVerifier(p.Verifier)}, "code_challenge_method": {"S256"}}
	http.Redirect(w, r, route.Prefix(tenant)+"/oauth2/authorize?"+q.Encode(), http.StatusSeeOther)
}

// callback serves GET /{t}/console/callback: it checks the state against
// the sealed cookie, redeems the code as the console client (the
// verifier proves it is the browser that started), and returns to the
// page. The cookie is cleared whatever the outcome.
func (h *Handler) callback(w http.ResponseWriter, r *http.Request) {
	tenant := route.TenantOf(r)
	p, ok := h.openState(r, tenant)
	http.SetCookie(w, &http.Cookie{Name: h.stateCookie(tenant), Path: "/", MaxAge: -1, HttpOnly: true,
		Secure: h.Secure, SameSite: http.SameSiteLaxMode})
	q := r.URL.Query()
	switch {
	case !ok || subtle.ConstantTimeCompare([]byte(p.State), []byte(q.Get("state"))) != 1:
		h.problem(w, r, http.StatusBadRequest, "This sign-in expired or did not start here.")
		return
	case q.Get("error") != "":
		h.problem(w, r, http.StatusForbidden, "Sign-in did not complete.")
		return
	}
	form := url.Values{"grant_type": {domain.GrantAuthorizationCode}, "client_id": {domain.ConsoleApplicationID},
		"code": {q.Get("code")}, "redirect_uri": {h.OAuth.ConsoleCallback(tenant)}, "code_verifier": {p.Verifier}}
	req, err := oauth.ParseRequest("application/x-www-form-urlencoded", "", strings.NewReader(form.Encode()))
	if err == nil {
		_, err = h.OAuth.Token(r.Context(), tenant, req)
	}
	if err != nil {
		h.Logger.InfoContext(r.Context(), "console: code refused", "tenant", tenant, "err", err)
		h.problem(w, r, http.StatusBadRequest, "This sign-in could not be completed.")
		return
	}
	http.Redirect(w, r, p.Return, http.StatusSeeOther)
}

// openState reads the request's sealed sign-in state for tenant; ok is
// false when it is missing, forged, of another tenant, expired, or would
// return anywhere but a console page of the tenant.
func (h *Handler) openState(r *http.Request, tenant string) (pending, bool) {
	var p pending
	c, err := r.Cookie(h.stateCookie(tenant))
	if err != nil || len(c.Value) > 4096 {
		return p, false
	}
	sealed, err := base64.RawURLEncoding.DecodeString(c.Value)
	if err != nil {
		return p, false
	}
	plain, err := h.Sealer.Open(sealed, stateAD(tenant))
	if err != nil || json.Unmarshal(plain, &p) != nil {
		return p, false
	}
	home := route.Prefix(tenant) + "/console/"
	return p, time.Now().Unix() < p.Expires && strings.HasPrefix(p.Return, home) && !strings.Contains(p.Return, "//")
}
