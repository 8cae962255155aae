package adminapi

import (
	"net/http"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
)

type scopeIn struct {
	Description *string `json:"description"`
}

type scopeOut struct {
	Description string `json:"description"`
}

func scopeResource(s *domain.Scope) jsonapi.Resource {
	return jsonapi.Resource{Type: typeScope, ID: s.ID, Attributes: scopeOut{Description: s.Description}}
}

func (h *Handler) listScopes(w http.ResponseWriter, r *http.Request, c call) error {
	pg, err := jsonapi.ParsePage(r)
	if err != nil {
		return err
	}
	xs, next, err := h.Service.ListScopes(r.Context(), c.p, c.tenant, pg)
	if err != nil {
		return err
	}
	return writeList(w, r, resources(xs, scopeResource), next)
}

func (h *Handler) createScope(w http.ResponseWriter, r *http.Request, c call) error {
	var in scopeIn
	id, err := jsonapi.Decode(w, r, typeScope, "", &in)
	if err != nil {
		return err
	}
	s := &domain.Scope{ID: id, Description: deref(in.Description)}
	if err := h.Service.CreateScope(r.Context(), c.p, c.tenant, s); err != nil {
		return err
	}
	return writeCreated(w, r, scopeResource(s))
}

func (h *Handler) getScope(w http.ResponseWriter, r *http.Request, c call) error {
	s, err := h.Service.GetScope(r.Context(), c.p, c.tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeOne(w, http.StatusOK, scopeResource(s), r.URL.EscapedPath())
	return nil
}

func (h *Handler) updateScope(w http.ResponseWriter, r *http.Request, c call) error {
	id := r.PathValue("id")
	var in scopeIn
	if _, err := jsonapi.Decode(w, r, typeScope, id, &in); err != nil {
		return err
	}
	s, err := h.Service.UpdateScope(r.Context(), c.p, c.tenant, id, admin.ScopePatch{Description: in.Description})
	if err != nil {
		return err
	}
	writeOne(w, http.StatusOK, scopeResource(s), r.URL.EscapedPath())
	return nil
}

func (h *Handler) deleteScope(w http.ResponseWriter, r *http.Request, c call) error {
	force, err := forceParam(r)
	if err != nil {
		return err
	}
	if err := h.Service.DeleteScope(r.Context(), c.p, c.tenant, r.PathValue("id"), force); err != nil {
		return err
	}
	return noContent(w)
}

// forceParam reads ?force=true, with which deleting a role or scope in
// use removes it from its users instead of answering 409.
func forceParam(r *http.Request) (bool, error) {
	switch v := r.URL.Query().Get("force"); v {
	case "", "false":
		return false, nil
	case "true":
		return true, nil
	default:
		return false, jsonapi.BadParameter("force", "must be true or false, not %q", v)
	}
}

type roleIn struct {
	Scopes *[]string `json:"scopes"`
}

type roleOut struct {
	Scopes []string `json:"scopes"`
}

func roleResource(x *domain.Role) jsonapi.Resource {
	return jsonapi.Resource{Type: typeRole, ID: x.ID, Attributes: roleOut{Scopes: list(x.Scopes)}}
}

func (h *Handler) listRoles(w http.ResponseWriter, r *http.Request, c call) error {
	pg, err := jsonapi.ParsePage(r)
	if err != nil {
		return err
	}
	xs, next, err := h.Service.ListRoles(r.Context(), c.p, c.tenant, pg)
	if err != nil {
		return err
	}
	return writeList(w, r, resources(xs, roleResource), next)
}

func (h *Handler) createRole(w http.ResponseWriter, r *http.Request, c call) error {
	var in roleIn
	id, err := jsonapi.Decode(w, r, typeRole, "", &in)
	if err != nil {
		return err
	}
	x := &domain.Role{ID: id, Scopes: derefList(in.Scopes)}
	if err := h.Service.CreateRole(r.Context(), c.p, c.tenant, x); err != nil {
		return err
	}
	return writeCreated(w, r, roleResource(x))
}

func (h *Handler) getRole(w http.ResponseWriter, r *http.Request, c call) error {
	x, err := h.Service.GetRole(r.Context(), c.p, c.tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeOne(w, http.StatusOK, roleResource(x), r.URL.EscapedPath())
	return nil
}

func (h *Handler) updateRole(w http.ResponseWriter, r *http.Request, c call) error {
	id := r.PathValue("id")
	var in roleIn
	if _, err := jsonapi.Decode(w, r, typeRole, id, &in); err != nil {
		return err
	}
	x, err := h.Service.UpdateRole(r.Context(), c.p, c.tenant, id, admin.RolePatch{Scopes: in.Scopes})
	if err != nil {
		return err
	}
	writeOne(w, http.StatusOK, roleResource(x), r.URL.EscapedPath())
	return nil
}

func (h *Handler) deleteRole(w http.ResponseWriter, r *http.Request, c call) error {
	force, err := forceParam(r)
	if err != nil {
		return err
	}
	if err := h.Service.DeleteRole(r.Context(), c.p, c.tenant, r.PathValue("id"), force); err != nil {
		return err
	}
	return noContent(w)
}
