package console

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
)

// userFlash are the messages of the user page's ?done= codes.
var userFlash = map[string]string{
	"created":       "The user was created.",
	"saved":         "The changes were saved.",
	"password":      "The password was set. The user's sessions and tokens stay valid; end or revoke them below if the old password leaked.",
	"disabled":      "The user is disabled: they can no longer sign in, and their sessions and API tokens are refused.",
	"enabled":       "The user is enabled again.",
	"unlocked":      "The user's failed sign-ins were cleared: they may sign in again at once.",
	"token-revoked": "The API token was revoked.",
	"session-ended": "The session was ended.",
}

// tokensPerPage is how many of a user's API tokens the user page lists.
const tokensPerPage = 50

// userData is the user page: the user, what the forms offer, and the
// user's API tokens and sessions, each with the URL that revokes it.
type userData struct {
	User       *domain.User
	Href       string
	Roles      roleChoice
	Tokens     []tokenRow
	TokensNext string
	Sessions   []sessionRow
}

type tokenRow struct {
	*domain.APIToken
	Expired bool
	Revoke  string
}

type sessionRow struct {
	*domain.Session
	Current bool // the session this page is seen in
	End     string
}

// user serves GET /console/users/{id}.
func (h *Handler) user(w http.ResponseWriter, r *http.Request) {
	v, ok := h.adminVisit(w, r)
	if !ok {
		return
	}
	h.userPage(w, r, v, http.StatusOK, nil)
}

// userPage shows the user of the path. f is the form that failed, nil
// for none: its values replace the stored ones in the form it came from
// (the others show the user as stored), and its errors are shown.
func (h *Handler) userPage(w http.ResponseWriter, r *http.Request, v *visit, status int, f *form) {
	ctx := r.Context()
	u, err := h.Admin.GetUser(ctx, v.P, v.Tenant, r.PathValue("id"))
	if err != nil {
		h.loadFailed(w, r, v, "User", err)
		return
	}
	d := userData{User: u, Href: userHref(v, u.ID)}
	if d.Roles, err = h.roleChoices(r, v); err != nil {
		h.loadFailed(w, r, v, "User "+u.ID, err)
		return
	}
	tokens, next, err := h.Admin.ListAPITokens(ctx, v.P, v.Tenant, u.ID,
		domain.Page{After: r.URL.Query().Get("tokens_after"), Limit: tokensPerPage})
	if err != nil {
		h.loadFailed(w, r, v, "User "+u.ID, err)
		return
	}
	sessions, err := h.Admin.ListSessions(ctx, v.P, v.Tenant, u.ID)
	if err != nil {
		h.loadFailed(w, r, v, "User "+u.ID, err)
		return
	}
	now := time.Now()
	for i := range tokens {
		t := &tokens[i]
		d.Tokens = append(d.Tokens, tokenRow{APIToken: t, Expired: t.Expired(now),
			Revoke: d.Href + "/tokens/" + url.PathEscape(t.ID) + "/delete"})
	}
	if next != "" {
		d.TokensNext = d.Href + "?" + url.Values{"tokens_after": {next}}.Encode() + "#tokens"
	}
	for i := range sessions {
		s := &sessions[i]
		d.Sessions = append(d.Sessions, sessionRow{Session: s, Current: s.ID == v.P.SessionID,
			End: d.Href + "/sessions/" + url.PathEscape(s.ID) + "/delete"})
	}
	shown := newForm(url.Values{"email": {u.Email}, "displayName": {u.DisplayName}, "roles": u.Roles})
	if f != nil {
		for k, vs := range f.Values {
			shown.Values[k] = vs
		}
		shown.Errors, shown.Error = f.Errors, f.Error
	}
	h.render(w, r, v, status, "user", &page{Title: "User " + u.ID, Section: "users", Form: shown,
		Flash: userFlash[r.URL.Query().Get("done")], Data: d})
}

// userAction is the handler of a form of the user page: do performs it
// for the user of the path; then the browser goes back to the page with
// the done message, or sees the page again with do's error.
func (h *Handler) userAction(done string, do func(r *http.Request, v *visit, id string, f *form) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		v, ok := h.readForm(w, r, h.adminVisit)
		if !ok {
			return
		}
		f := newForm(r.PostForm)
		id := r.PathValue("id")
		if err := do(r, v, id, f); err != nil {
			h.userPage(w, r, v, f.fail(h, r, err, ""), f)
			return
		}
		if f.Failed() {
			h.userPage(w, r, v, http.StatusUnprocessableEntity, f)
			return
		}
		seeOther(w, r, userHref(v, id)+"?done="+done)
	}
}

// saveProfile sets email, name and roles; every role must exist.
func (h *Handler) saveProfile(r *http.Request, v *visit, id string, f *form) error {
	email, name := strings.TrimSpace(f.Get("email")), strings.TrimSpace(f.Get("displayName"))
	roles := formRoles(f)
	_, err := h.Admin.UpdateUser(r.Context(), v.P, v.Tenant, id,
		admin.UserPatch{Email: &email, DisplayName: &name, Roles: &roles})
	return err
}

// resetPassword sets the password an admin chose. An empty field is an
// error here: to the API "" removes the password, which this form does
// not offer.
func (h *Handler) resetPassword(r *http.Request, v *visit, id string, f *form) error {
	password := f.Get("password")
	if password == "" {
		f.Errors["password"] = "is required: type the new password"
		return nil
	}
	_, err := h.Admin.UpdateUser(r.Context(), v.P, v.Tenant, id, admin.UserPatch{Password: &password})
	return err
}

func (h *Handler) setDisabled(disabled bool) func(*http.Request, *visit, string, *form) error {
	return func(r *http.Request, v *visit, id string, _ *form) error {
		_, err := h.Admin.UpdateUser(r.Context(), v.P, v.Tenant, id, admin.UserPatch{Disabled: &disabled})
		return err
	}
}

func (h *Handler) unlock(r *http.Request, v *visit, id string, _ *form) error {
	return h.Admin.UnlockUser(r.Context(), v.P, v.Tenant, id)
}

func (h *Handler) revokeToken(r *http.Request, v *visit, id string, _ *form) error {
	return h.Admin.DeleteAPIToken(r.Context(), v.P, v.Tenant, id, r.PathValue("token"))
}

func (h *Handler) endSession(r *http.Request, v *visit, id string, _ *form) error {
	return h.Admin.EndSession(r.Context(), v.P, v.Tenant, id, r.PathValue("session"))
}

// deleteUser serves POST /console/users/{id}/delete; the list says it
// is done, since the user's page is gone.
func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	if err := h.Admin.DeleteUser(r.Context(), v.P, v.Tenant, r.PathValue("id")); err != nil {
		f := newForm(nil)
		h.userPage(w, r, v, f.fail(h, r, err, ""), f)
		return
	}
	seeOther(w, r, usersBase(v)+"?done=deleted")
}
