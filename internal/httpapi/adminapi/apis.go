package adminapi

import (
	"net/http"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
)

const typeAPI = "api"

// apiResourceJSON is one operation of an API as the admin API shows it.
type apiResourceJSON struct {
	Method string   `json:"method"`
	Path   string   `json:"path"`
	Scopes []string `json:"scopes"`
	Public bool     `json:"public"`
}

type apiIn struct {
	Context   *string            `json:"context"`
	Upstream  *string            `json:"upstream"`
	Resources *[]apiResourceJSON `json:"resources"`
}

type apiOut struct {
	Context   string            `json:"context"`
	Upstream  string            `json:"upstream"`
	Resources []apiResourceJSON `json:"resources"`
}

func apiResource(a *domain.API) jsonapi.Resource {
	out := apiOut{Context: a.Context, Upstream: a.Upstream, Resources: []apiResourceJSON{}}
	for _, r := range a.Resources {
		out.Resources = append(out.Resources, apiResourceJSON{Method: r.Method, Path: r.Path, Scopes: list(r.Scopes), Public: r.Public})
	}
	return jsonapi.Resource{Type: typeAPI, ID: a.ID, Attributes: out}
}

func apiPatch(in *apiIn) admin.APIPatch {
	p := admin.APIPatch{Context: in.Context, Upstream: in.Upstream}
	if in.Resources != nil {
		rs := make([]domain.APIResource, 0, len(*in.Resources))
		for _, r := range *in.Resources {
			rs = append(rs, domain.APIResource{Method: r.Method, Path: r.Path, Scopes: r.Scopes, Public: r.Public})
		}
		p.Resources = &rs
	}
	return p
}

func (h *Handler) listAPIs(w http.ResponseWriter, r *http.Request, c call) error {
	pg, err := jsonapi.ParsePage(r)
	if err != nil {
		return err
	}
	xs, next, err := h.Service.ListAPIs(r.Context(), c.p, c.tenant, pg)
	if err != nil {
		return err
	}
	return writeList(w, r, resources(xs, apiResource), next)
}

func (h *Handler) createAPI(w http.ResponseWriter, r *http.Request, c call) error {
	var in apiIn
	id, err := jsonapi.Decode(w, r, typeAPI, "", &in)
	if err != nil {
		return err
	}
	p := apiPatch(&in)
	a := &domain.API{ID: id, Context: deref(p.Context), Upstream: deref(p.Upstream)}
	if p.Resources != nil {
		a.Resources = *p.Resources
	}
	if err := h.Service.CreateAPI(r.Context(), c.p, c.tenant, a); err != nil {
		return err
	}
	return writeCreated(w, r, apiResource(a))
}

func (h *Handler) getAPI(w http.ResponseWriter, r *http.Request, c call) error {
	a, err := h.Service.GetAPI(r.Context(), c.p, c.tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeOne(w, http.StatusOK, apiResource(a), r.URL.EscapedPath())
	return nil
}

func (h *Handler) updateAPI(w http.ResponseWriter, r *http.Request, c call) error {
	id := r.PathValue("id")
	var in apiIn
	if _, err := jsonapi.Decode(w, r, typeAPI, id, &in); err != nil {
		return err
	}
	a, err := h.Service.UpdateAPI(r.Context(), c.p, c.tenant, id, apiPatch(&in))
	if err != nil {
		return err
	}
	writeOne(w, http.StatusOK, apiResource(a), r.URL.EscapedPath())
	return nil
}

func (h *Handler) deleteAPI(w http.ResponseWriter, r *http.Request, c call) error {
	if err := h.Service.DeleteAPI(r.Context(), c.p, c.tenant, r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}
