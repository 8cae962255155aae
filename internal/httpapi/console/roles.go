package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
)

var roleFlashes = map[string]string{
	"scope-created": "Scope created.",
	"scope-deleted": "Scope deleted.",
	"role-created":  "Role created.",
	"role-updated":  "Role saved.",
	"role-deleted":  "Role deleted.",
}

// rolesView is the roles and scopes page: a page of each list, and the
// forms that were refused, shown again with their errors.
type rolesView struct {
	Scopes              []domain.Scope
	ScopesNext          string
	Roles               []domain.Role
	RolesNext           string
	ScopeForm, RoleForm *form
	// EditRole is the role whose refused edit is shown: the scopes sent
	// (EditScopes) and why (EditError).
	EditRole, EditScopes, EditError string
	// InUse is a refused delete of a role or scope that records name.
	InUse *inUseView
	// Problem is why another delete failed.
	Problem string
	// The built-in scope and role, which cannot be deleted.
	AdminScope, AdminRole string
}

// inUseView explains a refused delete and offers the forced one, which
// removes the name from its users (never from an API's resources: that
// would widen what the API lets through, so the store refuses it).
type inUseView struct {
	Kind, ID, Uses string
	CanForce       bool
	Action         string // the delete form's path
}

func (h *Handler) rolesPage(w http.ResponseWriter, r *http.Request) {
	v, ok := h.adminVisit(w, r)
	if !ok {
		return
	}
	h.renderRoles(w, r, v, http.StatusOK, doneFlash(r, roleFlashes), &rolesView{})
}

// renderRoles reads a page of scopes and one of roles (each one query)
// into view and shows it.
func (h *Handler) renderRoles(w http.ResponseWriter, r *http.Request, v *visit, status int, flash string, view *rolesView) {
	q := r.URL.Query()
	var err error
	var scopesNext, rolesNext string
	view.Scopes, scopesNext, err = h.Admin.ListScopes(r.Context(), v.P, v.Tenant, domain.Page{After: q.Get("scopesAfter")})
	if err == nil {
		view.Roles, rolesNext, err = h.Admin.ListRoles(r.Context(), v.P, v.Tenant, domain.Page{After: q.Get("rolesAfter")})
	}
	if err != nil {
		h.failPage(w, r, v, "Roles and scopes", "roles", err)
		return
	}
	// Each list pages on its own; its link keeps the other's place.
	if scopesNext != "" {
		view.ScopesNext = areaURL(v, "/roles?"+url.Values{"scopesAfter": {scopesNext}, "rolesAfter": {q.Get("rolesAfter")}}.Encode())
	}
	if rolesNext != "" {
		view.RolesNext = areaURL(v, "/roles?"+url.Values{"scopesAfter": {q.Get("scopesAfter")}, "rolesAfter": {rolesNext}}.Encode())
	}
	view.AdminScope, view.AdminRole = domain.AdminScope, domain.AdminRole
	h.render(w, r, v, status, "roles", &page{Title: "Roles and scopes", Section: "roles", Flash: flash, Data: view})
}

// rolesPost runs a form of the roles page: do performs it; done names
// the message of the list it returns to; refused shows the page again
// with why not.
func (h *Handler) rolesPost(w http.ResponseWriter, r *http.Request, done string,
	do func(v *visit, f *form) error, refused func(f *form, err error) (int, *rolesView)) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	if err := do(v, f); err != nil {
		status, view := refused(f, err)
		h.renderRoles(w, r, v, status, "", view)
		return
	}
	seeOther(w, r, areaURL(v, "/roles?done="+done))
}

func (h *Handler) createScope(w http.ResponseWriter, r *http.Request) {
	h.rolesPost(w, r, "scope-created", func(v *visit, f *form) error {
		sc := &domain.Scope{ID: strings.TrimSpace(f.Get("id")), Description: strings.TrimSpace(f.Get("description"))}
		return h.Admin.CreateScope(r.Context(), v.P, v.Tenant, sc)
	}, func(f *form, err error) (int, *rolesView) {
		return f.fail(h, r, err, "id"), &rolesView{ScopeForm: f}
	})
}

func (h *Handler) createRole(w http.ResponseWriter, r *http.Request) {
	h.rolesPost(w, r, "role-created", func(v *visit, f *form) error {
		role := &domain.Role{ID: strings.TrimSpace(f.Get("id")), Scopes: f.words("scopes")}
		return h.Admin.CreateRole(r.Context(), v.P, v.Tenant, role)
	}, func(f *form, err error) (int, *rolesView) {
		return f.fail(h, r, err, "id"), &rolesView{RoleForm: f}
	})
}

func (h *Handler) updateRole(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	h.rolesPost(w, r, "role-updated", func(v *visit, f *form) error {
		scopes := f.words("scopes")
		_, err := h.Admin.UpdateRole(r.Context(), v.P, v.Tenant, id, admin.RolePatch{Scopes: &scopes})
		return err
	}, func(f *form, err error) (int, *rolesView) {
		status, msg := failText(h, r, err)
		return status, &rolesView{EditRole: id, EditScopes: f.Get("scopes"), EditError: msg}
	})
}

func (h *Handler) deleteRole(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	h.rolesPost(w, r, "role-deleted", func(v *visit, f *form) error {
		return h.Admin.DeleteRole(r.Context(), v.P, v.Tenant, id, f.Get("force") == "on")
	}, h.deleteRefused(r, "/roles/"+id+"/delete"))
}

func (h *Handler) deleteScope(w http.ResponseWriter, r *http.Request) {
	h.rolesPost(w, r, "scope-deleted", func(v *visit, f *form) error {
		return h.Admin.DeleteScope(r.Context(), v.P, v.Tenant, f.Get("id"), f.Get("force") == "on")
	}, h.deleteRefused(r, "/scopes/delete"))
}

// deleteRefused explains a refused delete of a role or scope. A name in
// use is the admin API's 409, with its counts; the forced delete (posted
// to action) is offered where the store would do it.
func (h *Handler) deleteRefused(r *http.Request, action string) func(*form, error) (int, *rolesView) {
	return func(_ *form, err error) (int, *rolesView) {
		var inUse *domain.InUseError
		if !errors.As(err, &inUse) {
			status, msg := failText(h, r, err)
			return status, &rolesView{Problem: msg}
		}
		return http.StatusConflict, &rolesView{InUse: &inUseView{Kind: inUse.Kind, ID: inUse.ID, Uses: inUse.Uses.String(),
			CanForce: inUse.Uses.APIs == 0, Action: route.Prefix(route.TenantOf(r)) + "/console" + action}}
	}
}
