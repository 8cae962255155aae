package adminapi

import (
	"net/http"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
)

// userIn: password is write-only, never part of userOut.
type userIn struct {
	Email       *string   `json:"email"`
	DisplayName *string   `json:"displayName"`
	Password    *string   `json:"password"`
	Roles       *[]string `json:"roles"`
	Source      *string   `json:"source"`
	Disabled    *bool     `json:"disabled"`
}

type userOut struct {
	Email       string   `json:"email"`
	DisplayName string   `json:"displayName"`
	Roles       []string `json:"roles"`
	Source      string   `json:"source"`
	Disabled    bool     `json:"disabled"`
}

func userResource(u *domain.User) jsonapi.Resource {
	return jsonapi.Resource{Type: typeUser, ID: u.ID, Attributes: userOut{
		Email: u.Email, DisplayName: u.DisplayName, Roles: list(u.Roles), Source: u.Source, Disabled: u.Disabled,
	}}
}

func (h *Handler) listUsers(w http.ResponseWriter, r *http.Request, c call) error {
	pg, err := jsonapi.ParsePage(r)
	if err != nil {
		return err
	}
	xs, next, err := h.Service.ListUsers(r.Context(), c.p, c.tenant, pg)
	if err != nil {
		return err
	}
	return writeList(w, r, resources(xs, userResource), next)
}

func (h *Handler) createUser(w http.ResponseWriter, r *http.Request, c call) error {
	var in userIn
	id, err := jsonapi.Decode(w, r, typeUser, "", &in)
	if err != nil {
		return err
	}
	u := &domain.User{
		ID: id, Email: deref(in.Email), DisplayName: deref(in.DisplayName), Roles: derefList(in.Roles),
		Source: deref(in.Source), Disabled: deref(in.Disabled),
	}
	if err := h.Service.CreateUser(r.Context(), c.p, c.tenant, u, deref(in.Password)); err != nil {
		return err
	}
	return writeCreated(w, r, userResource(u))
}

func (h *Handler) getUser(w http.ResponseWriter, r *http.Request, c call) error {
	u, err := h.Service.GetUser(r.Context(), c.p, c.tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeOne(w, http.StatusOK, userResource(u), r.URL.EscapedPath())
	return nil
}

func (h *Handler) updateUser(w http.ResponseWriter, r *http.Request, c call) error {
	id := r.PathValue("id")
	var in userIn
	if _, err := jsonapi.Decode(w, r, typeUser, id, &in); err != nil {
		return err
	}
	u, err := h.Service.UpdateUser(r.Context(), c.p, c.tenant, id, admin.UserPatch{
		Email: in.Email, DisplayName: in.DisplayName, Password: in.Password,
		Roles: in.Roles, Source: in.Source, Disabled: in.Disabled,
	})
	if err != nil {
		return err
	}
	writeOne(w, http.StatusOK, userResource(u), r.URL.EscapedPath())
	return nil
}

func (h *Handler) deleteUser(w http.ResponseWriter, r *http.Request, c call) error {
	if err := h.Service.DeleteUser(r.Context(), c.p, c.tenant, r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}
