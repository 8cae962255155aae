package adminapi

import (
	"net/http"
	"time"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
)

const typeBrokerProvider = "brokerProvider"

// brokerIn: clientSecret and password are write-only; clientSecretSet and
// passwordSet are read-only and accepted only so a client may send back
// what it read.
type brokerIn struct {
	TokenURL             *string   `json:"tokenUrl"`
	UpstreamTenant       *string   `json:"upstreamTenant"`
	GrantType            *string   `json:"grantType"`
	ClientID             *string   `json:"clientId"`
	ClientSecret         *string   `json:"clientSecret"`
	ClientSecretSet      *bool     `json:"clientSecretSet"`
	Username             *string   `json:"username"`
	Password             *string   `json:"password"`
	PasswordSet          *bool     `json:"passwordSet"`
	Resource             *string   `json:"resource"`
	Scopes               *[]string `json:"scopes"`
	AllowedRoles         *[]string `json:"allowedRoles"`
	RefreshBeforeSeconds *int      `json:"refreshBeforeSeconds"`
	Default              *bool     `json:"default"`
}

// brokerOut never carries a secret, sealed or not.
type brokerOut struct {
	TokenURL             string    `json:"tokenUrl"`
	UpstreamTenant       string    `json:"upstreamTenant"`
	GrantType            string    `json:"grantType"`
	ClientID             string    `json:"clientId"`
	ClientSecretSet      bool      `json:"clientSecretSet"`
	Username             string    `json:"username"`
	PasswordSet          bool      `json:"passwordSet"`
	Resource             string    `json:"resource"`
	Scopes               []string  `json:"scopes"`
	AllowedRoles         []string  `json:"allowedRoles"`
	RefreshBeforeSeconds int       `json:"refreshBeforeSeconds"`
	Default              bool      `json:"default"`
	CreatedAt            time.Time `json:"createdAt"`
	UpdatedAt            time.Time `json:"updatedAt"`
}

func brokerResource(p *domain.BrokerProvider) jsonapi.Resource {
	return jsonapi.Resource{Type: typeBrokerProvider, ID: p.ID, Attributes: brokerOut{
		TokenURL: p.TokenURL, UpstreamTenant: p.UpstreamTenant, GrantType: p.GrantType, ClientID: p.ClientID,
		ClientSecretSet: len(p.SealedClientSecret) > 0, Username: p.Username, PasswordSet: len(p.SealedPassword) > 0,
		Resource: p.Resource, Scopes: list(p.Scopes), AllowedRoles: list(p.AllowedRoles),
		RefreshBeforeSeconds: int(p.RefreshBefore / time.Second), Default: p.Default,
		CreatedAt: p.CreatedAt, UpdatedAt: p.UpdatedAt,
	}}
}

func brokerPatch(in *brokerIn) admin.BrokerProviderPatch {
	return admin.BrokerProviderPatch{
		TokenURL: in.TokenURL, UpstreamTenant: in.UpstreamTenant, GrantType: in.GrantType, ClientID: in.ClientID,
		ClientSecret: in.ClientSecret, Username: in.Username, Password: in.Password, Resource: in.Resource,
		Scopes: in.Scopes, AllowedRoles: in.AllowedRoles, RefreshBeforeSeconds: in.RefreshBeforeSeconds,
		Default: in.Default,
	}
}

func (h *Handler) listBrokerProviders(w http.ResponseWriter, r *http.Request, c call) error {
	pg, err := jsonapi.ParsePage(r)
	if err != nil {
		return err
	}
	xs, next, err := h.Service.ListBrokerProviders(r.Context(), c.p, c.tenant, pg)
	if err != nil {
		return err
	}
	return writeList(w, r, resources(xs, brokerResource), next)
}

func (h *Handler) createBrokerProvider(w http.ResponseWriter, r *http.Request, c call) error {
	var in brokerIn
	id, err := jsonapi.Decode(w, r, typeBrokerProvider, "", &in)
	if err != nil {
		return err
	}
	x, err := h.Service.CreateBrokerProvider(r.Context(), c.p, c.tenant, id, brokerPatch(&in))
	if err != nil {
		return err
	}
	return writeCreated(w, r, brokerResource(x))
}

func (h *Handler) getBrokerProvider(w http.ResponseWriter, r *http.Request, c call) error {
	x, err := h.Service.GetBrokerProvider(r.Context(), c.p, c.tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeOne(w, http.StatusOK, brokerResource(x), r.URL.EscapedPath())
	return nil
}

func (h *Handler) updateBrokerProvider(w http.ResponseWriter, r *http.Request, c call) error {
	id := r.PathValue("id")
	var in brokerIn
	if _, err := jsonapi.Decode(w, r, typeBrokerProvider, id, &in); err != nil {
		return err
	}
	x, err := h.Service.UpdateBrokerProvider(r.Context(), c.p, c.tenant, id, brokerPatch(&in))
	if err != nil {
		return err
	}
	writeOne(w, http.StatusOK, brokerResource(x), r.URL.EscapedPath())
	return nil
}

func (h *Handler) deleteBrokerProvider(w http.ResponseWriter, r *http.Request, c call) error {
	if err := h.Service.DeleteBrokerProvider(r.Context(), c.p, c.tenant, r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}
