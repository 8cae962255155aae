package console

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
)

func (h *Handler) registerUsers(m *route.Mux) {
	m.Tenant("GET /console/users", h.users)
	m.Tenant("GET /console/new-user", h.newUser)
	m.Tenant("POST /console/new-user", h.createUser)
	m.Tenant("GET /console/users/{id}", h.user)
	m.Tenant("POST /console/users/{id}", h.userAction("saved", h.saveProfile))
	m.Tenant("POST /console/users/{id}/password", h.userAction("password", h.resetPassword))
	m.Tenant("POST /console/users/{id}/disable", h.userAction("disabled", h.setDisabled(true)))
	m.Tenant("POST /console/users/{id}/enable", h.userAction("enabled", h.setDisabled(false)))
	m.Tenant("POST /console/users/{id}/unlock", h.userAction("unlocked", h.unlock))
	m.Tenant("POST /console/users/{id}/tokens/{token}/delete", h.userAction("token-revoked", h.revokeToken))
	m.Tenant("POST /console/users/{id}/sessions/{session}/delete", h.userAction("session-ended", h.endSession))
	m.Tenant("POST /console/users/{id}/delete", h.deleteUser)
	h.registerImport(m)
}

// usersPerPage is the length of a page of the user list.
const usersPerPage = 50

// usersFlash are the messages of the list's ?done= codes.
var usersFlash = map[string]string{"deleted": "The user was deleted."}

// userRow is a user as the list shows it.
type userRow struct {
	*domain.User
	Href string
}

// usersData is the user list: a page of users matching Query.
type usersData struct {
	Query string
	Users []userRow
	Next  string // the next page's URL, "" on the last one
}

// users serves GET /console/users: a page of users, by ID, optionally
// only those whose ID starts with ?q=.
func (h *Handler) users(w http.ResponseWriter, r *http.Request) {
	v, ok := h.adminVisit(w, r)
	if !ok {
		return
	}
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	xs, next, err := h.Admin.ListUsers(r.Context(), v.P, v.Tenant,
		domain.Page{After: r.URL.Query().Get("after"), Limit: usersPerPage, Prefix: searchPrefix(q)})
	if err != nil {
		h.loadFailed(w, r, v, "Users", err)
		return
	}
	base := usersBase(v)
	d := usersData{Query: q, Users: make([]userRow, len(xs))}
	for i := range xs {
		d.Users[i] = userRow{User: &xs[i], Href: userHref(v, xs[i].ID)}
	}
	if next != "" {
		d.Next = base + "?" + url.Values{"q": {q}, "after": {next}}.Encode()
	}
	h.render(w, r, v, http.StatusOK, "users", &page{Title: "Users", Section: "users",
		Flash: usersFlash[r.URL.Query().Get("done")], Data: d})
}

// searchPrefix is the stored form of a searched ID prefix: IDs are kept
// in their PRECIS form (lower case, narrow), so "John" finds john.doe. A
// prefix PRECIS refuses on its own is searched as typed.
func searchPrefix(q string) string {
	if n, err := domain.NormalizeUsername(q); err == nil {
		return n
	}
	return q
}

func usersBase(v *visit) string { return route.Prefix(v.Tenant) + "/console/users" }

// userHref is the page of user id: IDs may hold '?' or '#', so the
// segment is escaped.
func userHref(v *visit, id string) string { return usersBase(v) + "/" + url.PathEscape(id) }

// newUserData is the creation form's own content.
type newUserData struct{ Roles roleChoice }

// newUser serves GET /console/new-user: the form that creates a user.
func (h *Handler) newUser(w http.ResponseWriter, r *http.Request) {
	v, ok := h.adminVisit(w, r)
	if !ok {
		return
	}
	h.newUserPage(w, r, v, http.StatusOK, newForm(url.Values{"signin": {"password"}}))
}

func (h *Handler) newUserPage(w http.ResponseWriter, r *http.Request, v *visit, status int, f *form) {
	roles, err := h.roleChoices(r, v)
	if err != nil {
		h.loadFailed(w, r, v, "New user", err)
		return
	}
	h.render(w, r, v, status, "user_new", &page{Title: "New user", Section: "users", Form: f,
		Data: newUserData{Roles: roles}})
}

// createUser serves POST /console/new-user. The user signs in with a
// password or only through an identity provider: the form asks which, so
// an empty password field never makes a user without one by accident.
func (h *Handler) createUser(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	roles := formRoles(f)
	password := f.Get("password")
	switch sso := f.Get("signin") == "sso"; {
	case sso && password != "":
		f.Errors["password"] = "An SSO user has no password: leave this empty, or choose sign-in with a password."
	case !sso && password == "":
		f.Errors["password"] = "is required, unless the user is an SSO user without a password"
	}
	if f.Failed() {
		h.newUserPage(w, r, v, http.StatusUnprocessableEntity, f)
		return
	}
	u := &domain.User{ID: f.Get("id"), Email: strings.TrimSpace(f.Get("email")),
		DisplayName: strings.TrimSpace(f.Get("displayName")), Roles: roles}
	if err := h.Admin.CreateUser(r.Context(), v.P, v.Tenant, u, password); err != nil {
		h.newUserPage(w, r, v, f.fail(h, r, err, "id"), f)
		return
	}
	seeOther(w, r, userHref(v, u.ID)+"?done=created")
}

// maxRoleBoxes is the most roles offered as checkboxes; a tenant with more
// gets a text field of comma-separated names instead.
const maxRoleBoxes = 60

// roleChoice is how a form offers the tenant's roles.
type roleChoice struct {
	Names []string // the tenant's roles, when few enough for checkboxes
	Text  bool     // too many for checkboxes: a comma-separated text field
}

func (h *Handler) roleChoices(r *http.Request, v *visit) (roleChoice, error) {
	xs, next, err := h.Admin.ListRoles(r.Context(), v.P, v.Tenant, domain.Page{Limit: maxRoleBoxes})
	if err != nil || next != "" {
		return roleChoice{Text: true}, err
	}
	c := roleChoice{Names: make([]string, len(xs))}
	for i, x := range xs {
		c.Names[i] = x.ID
	}
	return c, nil
}

// formRoles reads the roles of a form, from checkboxes or the text
// field, and stores them back one a value, so either way the form shows
// them again.
func formRoles(f *form) []string {
	roles := []string{}
	for _, x := range f.Values["roles"] {
		for _, name := range strings.Split(x, ",") {
			if name = strings.TrimSpace(name); name != "" {
				roles = append(roles, name)
			}
		}
	}
	f.Values["roles"] = roles
	return roles
}

// loadFailed answers a page whose content could not be read: a message
// page with the use case's error, logged when it is internal.
func (h *Handler) loadFailed(w http.ResponseWriter, r *http.Request, v *visit, title string, err error) {
	f := newForm(nil)
	status := f.fail(h, r, err, "")
	h.render(w, r, v, status, "message", &page{Title: title, Section: "users", Message: f.Error})
}
