package adminapi

import (
	"net/http"
	"time"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
)

const typeIdentityProvider = "identityProvider"

// idpIn: clientSecret is write-only; clientSecretSet is read-only and
// accepted only so a client may send back what it read.
type idpIn struct {
	DisplayName     *string   `json:"displayName"`
	Issuer          *string   `json:"issuer"`
	ClientID        *string   `json:"clientId"`
	ClientSecret    *string   `json:"clientSecret"`
	ClientSecretSet *bool     `json:"clientSecretSet"`
	Scopes          *[]string `json:"scopes"`
	UsernameClaim   *string   `json:"usernameClaim"`
	CreateUsers     *bool     `json:"createUsers"`
	DefaultRoles    *[]string `json:"defaultRoles"`
	Enabled         *bool     `json:"enabled"`
}

// idpOut never carries the secret, sealed or not.
type idpOut struct {
	DisplayName     string    `json:"displayName"`
	Issuer          string    `json:"issuer"`
	ClientID        string    `json:"clientId"`
	ClientSecretSet bool      `json:"clientSecretSet"`
	Scopes          []string  `json:"scopes"`
	UsernameClaim   string    `json:"usernameClaim"`
	CreateUsers     bool      `json:"createUsers"`
	DefaultRoles    []string  `json:"defaultRoles"`
	Enabled         bool      `json:"enabled"`
	CreatedAt       time.Time `json:"createdAt"`
	UpdatedAt       time.Time `json:"updatedAt"`
}

func idpResource(p *domain.IdentityProvider) jsonapi.Resource {
	return jsonapi.Resource{Type: typeIdentityProvider, ID: p.ID, Attributes: idpOut{
		DisplayName: p.DisplayName, Issuer: p.Issuer, ClientID: p.ClientID, ClientSecretSet: len(p.SealedSecret) > 0,
		Scopes: list(p.Scopes), UsernameClaim: p.UsernameClaim, CreateUsers: p.CreateUsers,
		DefaultRoles: list(p.DefaultRoles), Enabled: p.Enabled, CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}}
}

func idpPatch(in *idpIn) admin.IdentityProviderPatch {
	return admin.IdentityProviderPatch{
		DisplayName: in.DisplayName, Issuer: in.Issuer, ClientID: in.ClientID, ClientSecret: in.ClientSecret,
		Scopes: in.Scopes, UsernameClaim: in.UsernameClaim, CreateUsers: in.CreateUsers,
		DefaultRoles: in.DefaultRoles, Enabled: in.Enabled,
	}
}

func (h *Handler) listIdentityProviders(w http.ResponseWriter, r *http.Request, c call) error {
	pg, err := jsonapi.ParsePage(r)
	if err != nil {
		return err
	}
	xs, next, err := h.Service.ListIdentityProviders(r.Context(), c.p, c.tenant, pg)
	if err != nil {
		return err
	}
	return writeList(w, r, resources(xs, idpResource), next)
}

func (h *Handler) createIdentityProvider(w http.ResponseWriter, r *http.Request, c call) error {
	var in idpIn
	id, err := jsonapi.Decode(w, r, typeIdentityProvider, "", &in)
	if err != nil {
		return err
	}
	x, err := h.Service.CreateIdentityProvider(r.Context(), c.p, c.tenant, id, idpPatch(&in))
	if err != nil {
		return err
	}
	return writeCreated(w, r, idpResource(x))
}

func (h *Handler) getIdentityProvider(w http.ResponseWriter, r *http.Request, c call) error {
	x, err := h.Service.GetIdentityProvider(r.Context(), c.p, c.tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeOne(w, http.StatusOK, idpResource(x), r.URL.EscapedPath())
	return nil
}

func (h *Handler) updateIdentityProvider(w http.ResponseWriter, r *http.Request, c call) error {
	id := r.PathValue("id")
	var in idpIn
	if _, err := jsonapi.Decode(w, r, typeIdentityProvider, id, &in); err != nil {
		return err
	}
	x, err := h.Service.UpdateIdentityProvider(r.Context(), c.p, c.tenant, id, idpPatch(&in))
	if err != nil {
		return err
	}
	writeOne(w, http.StatusOK, idpResource(x), r.URL.EscapedPath())
	return nil
}

func (h *Handler) deleteIdentityProvider(w http.ResponseWriter, r *http.Request, c call) error {
	if err := h.Service.DeleteIdentityProvider(r.Context(), c.p, c.tenant, r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}
