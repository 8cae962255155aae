package adminapi

import (
	"net/http"
	"time"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
)

const typeAPIToken = "apiToken"

// apiTokenIn: expiresAt is a string so a bad date gets an error that
// names the attribute, not the decoder's.
type apiTokenIn struct {
	ExpiresAt   *string   `json:"expiresAt"`
	Scopes      *[]string `json:"scopes"`
	Description *string   `json:"description"`
}

// apiTokenOut never carries the token, except BearerToken in the answer
// to the create request, the only time it exists in clear.
type apiTokenOut struct {
	BearerToken string     `json:"bearerToken,omitempty"`
	Description string     `json:"description"`
	Scopes      []string   `json:"scopes"`
	CreatedAt   time.Time  `json:"createdAt"`
	ExpiresAt   *time.Time `json:"expiresAt"`
	LastUsedAt  *time.Time `json:"lastUsedAt"`
}

func apiTokenResource(t *domain.APIToken) jsonapi.Resource {
	return jsonapi.Resource{Type: typeAPIToken, ID: t.ID, Attributes: apiTokenOut{
		Description: t.Description, Scopes: list(t.Scopes), CreatedAt: t.CreatedAt,
		ExpiresAt: t.ExpiresAt, LastUsedAt: t.LastUsedAt,
	}}
}

func (h *Handler) createAPIToken(w http.ResponseWriter, r *http.Request, c call) error {
	var in apiTokenIn
	id, err := jsonapi.Decode(w, r, typeAPIToken, "", &in)
	if err != nil {
		return err
	}
	spec := admin.APITokenSpec{ID: id, Description: deref(in.Description), Scopes: derefList(in.Scopes)}
	if spec.Scopes == nil && in.Scopes != nil {
		spec.Scopes = []string{} // "scopes": [] asks for none, not the default
	}
	if in.ExpiresAt != nil {
		e, err := time.Parse(time.RFC3339, *in.ExpiresAt)
		if err != nil {
			return jsonapi.BadRequest("/data/attributes/expiresAt", "expiresAt must be an RFC 3339 date-time")
		}
		spec.ExpiresAt = &e
	}
	t, raw, err := h.Service.CreateAPIToken(r.Context(), c.p, c.tenant, r.PathValue("userId"), spec)
	if err != nil {
		return err
	}
	res := apiTokenResource(t)
	out := res.Attributes.(apiTokenOut)
	out.BearerToken = raw
	res.Attributes = out
	return writeCreated(w, r, res)
}

func (h *Handler) getAPIToken(w http.ResponseWriter, r *http.Request, c call) error {
	t, err := h.Service.GetAPIToken(r.Context(), c.p, c.tenant, r.PathValue("userId"), r.PathValue("id"))
	if err != nil {
		return err
	}
	writeOne(w, http.StatusOK, apiTokenResource(t), r.URL.EscapedPath())
	return nil
}

func (h *Handler) listAPITokens(w http.ResponseWriter, r *http.Request, c call) error {
	pg, err := jsonapi.ParsePage(r)
	if err != nil {
		return err
	}
	xs, next, err := h.Service.ListAPITokens(r.Context(), c.p, c.tenant, r.PathValue("userId"), pg)
	if err != nil {
		return err
	}
	return writeList(w, r, resources(xs, apiTokenResource), next)
}

func (h *Handler) deleteAPIToken(w http.ResponseWriter, r *http.Request, c call) error {
	if err := h.Service.DeleteAPIToken(r.Context(), c.p, c.tenant, r.PathValue("userId"), r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}
