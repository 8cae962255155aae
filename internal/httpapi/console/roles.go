package console

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
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
		h.failPage(w, r, v, "roles", err)
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

func (h *Handler) createScope(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	sc := &domain.Scope{ID: strings.TrimSpace(f.Get("id")), Description: strings.TrimSpace(f.Get("description"))}
	if err := h.Admin.CreateScope(r.Context(), v.P, v.Tenant, sc); err != nil {
		h.renderRoles(w, r, v, f.fail(h, r, err, "id"), "", &rolesView{ScopeForm: f})
		return
	}
	seeOther(w, r, areaURL(v, "/roles?done=scope-created"))
}

func (h *Handler) createRole(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	f := newForm(r.PostForm)
	role := &domain.Role{ID: strings.TrimSpace(f.Get("id")), Scopes: f.words("scopes")}
	if err := h.Admin.CreateRole(r.Context(), v.P, v.Tenant, role); err != nil {
		h.renderRoles(w, r, v, f.fail(h, r, err, "id"), "", &rolesView{RoleForm: f})
		return
	}
	seeOther(w, r, areaURL(v, "/roles?done=role-created"))
}

func (h *Handler) updateRole(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	id, f := r.PathValue("id"), newForm(r.PostForm)
	scopes := f.words("scopes")
	if _, err := h.Admin.UpdateRole(r.Context(), v.P, v.Tenant, id, admin.RolePatch{Scopes: &scopes}); err != nil {
		status, msg := failText(h, r, err)
		h.renderRoles(w, r, v, status, "", &rolesView{EditRole: id, EditScopes: f.Get("scopes"), EditError: msg})
		return
	}
	seeOther(w, r, areaURL(v, "/roles?done=role-updated"))
}

func (h *Handler) deleteRole(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	id := r.PathValue("id")
	err := h.Admin.DeleteRole(r.Context(), v.P, v.Tenant, id, r.PostForm.Get("force") == "on")
	h.deleted(w, r, v, err, "role-deleted", areaURL(v, "/roles/"+id+"/delete"))
}

func (h *Handler) deleteScope(w http.ResponseWriter, r *http.Request) {
	v, ok := h.readForm(w, r, h.adminVisit)
	if !ok {
		return
	}
	err := h.Admin.DeleteScope(r.Context(), v.P, v.Tenant, r.PostForm.Get("id"), r.PostForm.Get("force") == "on")
	h.deleted(w, r, v, err, "scope-deleted", areaURL(v, "/scopes/delete"))
}

// deleted ends a delete of a role or scope: back to the list, or the
// list with why not. A name in use is the admin API's 409, with its
// counts; its forced delete is offered where the store would do it.
func (h *Handler) deleted(w http.ResponseWriter, r *http.Request, v *visit, err error, done, action string) {
	if err == nil {
		seeOther(w, r, areaURL(v, "/roles?done="+done))
		return
	}
	view := &rolesView{}
	var inUse *domain.InUseError
	status := http.StatusConflict
	if errors.As(err, &inUse) {
		view.InUse = &inUseView{Kind: inUse.Kind, ID: inUse.ID, Uses: inUse.Uses.String(),
			CanForce: inUse.Uses.APIs == 0, Action: action}
	} else {
		status, view.Problem = failText(h, r, err)
	}
	h.renderRoles(w, r, v, status, "", view)
}
