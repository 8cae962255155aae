package adminapi

import (
	"net/http"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
)

const typeGatewayCredential = "gatewayCredential"

type gatewayCredentialIn struct {
	Description *string `json:"description"`
}

// gatewayCredentialOut carries the credential only in the answer to the
// create request, the only time it exists in clear.
type gatewayCredentialOut struct {
	BearerToken string    `json:"bearerToken,omitempty"`
	Description string    `json:"description"`
	CreatedAt   time.Time `json:"createdAt"`
}

func gatewayCredentialResource(c *domain.GatewayCredential) jsonapi.Resource {
	return jsonapi.Resource{Type: typeGatewayCredential, ID: c.ID,
		Attributes: gatewayCredentialOut{Description: c.Description, CreatedAt: c.CreatedAt}}
}

func (h *Handler) createGatewayCredential(w http.ResponseWriter, r *http.Request, c call) error {
	var in gatewayCredentialIn
	id, err := jsonapi.Decode(w, r, typeGatewayCredential, "", &in)
	if err != nil {
		return err
	}
	cred, raw, err := h.Service.CreateGatewayCredential(r.Context(), c.p, id, deref(in.Description))
	if err != nil {
		return err
	}
	res := gatewayCredentialResource(cred)
	res.Attributes = gatewayCredentialOut{BearerToken: raw, Description: cred.Description, CreatedAt: cred.CreatedAt}
	return writeCreated(w, r, res)
}

func (h *Handler) getGatewayCredential(w http.ResponseWriter, r *http.Request, c call) error {
	cred, err := h.Service.GetGatewayCredential(r.Context(), c.p, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeOne(w, http.StatusOK, gatewayCredentialResource(cred), r.URL.EscapedPath())
	return nil
}

func (h *Handler) listGatewayCredentials(w http.ResponseWriter, r *http.Request, c call) error {
	pg, err := jsonapi.ParsePage(r)
	if err != nil {
		return err
	}
	xs, next, err := h.Service.ListGatewayCredentials(r.Context(), c.p, pg)
	if err != nil {
		return err
	}
	return writeList(w, r, resources(xs, gatewayCredentialResource), next)
}

func (h *Handler) deleteGatewayCredential(w http.ResponseWriter, r *http.Request, c call) error {
	if err := h.Service.DeleteGatewayCredential(r.Context(), c.p, r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}
