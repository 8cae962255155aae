package adminapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/admin"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/jsonapi"
)

// appIn: lifetimes are in seconds. clientId, owner and clientSecretSet
// are read-only; they are accepted so a client may send back what it
// read (a clientId or owner that differs is refused).
type appIn struct {
	Name            *string   `json:"name"`
	ClientID        *string   `json:"clientId"`
	GrantTypes      *[]string `json:"grantTypes"`
	Scopes          *[]string `json:"scopes"`
	DefaultScopes   *[]string `json:"defaultScopes"`
	AccessTokenTTL  *int64    `json:"accessTokenTtl"`
	RefreshTokenTTL *int64    `json:"refreshTokenTtl"`
	// RefreshReuseGrace may be 0 (off), unlike the lifetimes.
	RefreshReuseGrace      *int64    `json:"refreshReuseGraceSeconds"`
	ClientType             *string   `json:"clientType"`
	RedirectURIs           *[]string `json:"redirectUris"`
	PostLogoutRedirectURIs *[]string `json:"postLogoutRedirectUris"`
	FirstParty             *bool     `json:"firstParty"`
	IDTokenSigningAlg      *string   `json:"idTokenSigningAlg"`
	Owner                  *string   `json:"owner"`
	ClientSecretSet        *bool     `json:"clientSecretSet"`
	// ClientSecret, on create only: a secret of at least 32 characters
	// to keep instead of a generated one.
	ClientSecret *string `json:"clientSecret"`
	// JWKS is a JWK Set object, or null to remove it; absent: unchanged.
	JWKS        json.RawMessage `json:"jwks"`
	JWKSURI     *string         `json:"jwksUri"`
	RequireDPoP *bool           `json:"requireDpop"`
	// TokenExchange is a policy object, or null to remove it.
	TokenExchange json.RawMessage `json:"tokenExchange"`
}

type appOut struct {
	Name            string   `json:"name"`
	ClientID        string   `json:"clientId"`
	ClientSecret    string   `json:"clientSecret,omitempty"` // only on create and rotate
	GrantTypes      []string `json:"grantTypes"`
	Scopes          []string `json:"scopes"`
	DefaultScopes   []string `json:"defaultScopes"`
	AccessTokenTTL  int64    `json:"accessTokenTtl"`
	RefreshTokenTTL int64    `json:"refreshTokenTtl"`
	RefreshReuse    int64    `json:"refreshReuseGraceSeconds"`
	ClientType      string   `json:"clientType"`
	// ClientSecretSet: false for a public client, and for a client made
	// confidential whose secret was not rotated in yet.
	ClientSecretSet        bool     `json:"clientSecretSet"`
	RedirectURIs           []string `json:"redirectUris"`
	PostLogoutRedirectURIs []string `json:"postLogoutRedirectUris"`
	FirstParty             bool     `json:"firstParty"`
	IDTokenSigningAlg      string   `json:"idTokenSigningAlg"`
	Owner                  string   `json:"owner"`
	// The keys of a private_key_jwt client, when it registered some.
	JWKS    json.RawMessage `json:"jwks,omitempty"`
	JWKSURI string          `json:"jwksUri,omitempty"`
	// RequireDPoP: every token request must carry a DPoP proof.
	RequireDPoP bool `json:"requireDpop"`
	// TokenExchange is the client's RFC 8693 policy, when it has one.
	TokenExchange *domain.TokenExchangePolicy `json:"tokenExchange,omitempty"`
}

func appResource(a *domain.Application) jsonapi.Resource {
	return appResourceWithSecret(a, "")
}

func appResourceWithSecret(a *domain.Application, clientSecret string) jsonapi.Resource {
	clientType := a.ClientType
	if clientType == "" {
		clientType = domain.ClientConfidential // a record from before client types
	}
	return jsonapi.Resource{Type: typeApplication, ID: a.ID, Attributes: appOut{
		Name: a.Name, ClientID: a.ID, ClientSecret: clientSecret,
		GrantTypes: list(a.GrantTypes), Scopes: list(a.Scopes), DefaultScopes: list(a.DefaultScopes),
		AccessTokenTTL:  int64(a.AccessTokenTTL / time.Second),
		RefreshTokenTTL: int64(a.RefreshTokenTTL / time.Second),
		RefreshReuse:    int64(a.RefreshReuseGrace / time.Second),
		ClientType:      clientType, ClientSecretSet: len(a.SecretHash) > 0,
		RedirectURIs: list(a.RedirectURIs), PostLogoutRedirectURIs: list(a.PostLogoutRedirectURIs),
		FirstParty: a.FirstParty, IDTokenSigningAlg: a.IDTokenSigningAlg, Owner: a.Owner,
		JWKS: json.RawMessage(a.JWKS), JWKSURI: a.JWKSURI, RequireDPoP: a.RequireDPoP, TokenExchange: a.TokenExchange,
	}}
}

// seconds converts a lifetime attribute, refusing values the conversion
// to a Duration would overflow.
func seconds(field string, s *int64) (*time.Duration, error) {
	if s == nil {
		return nil, nil
	}
	if *s <= 0 || *s > int64(domain.MaxRefreshTokenTTL/time.Second) {
		return nil, domain.Invalid(field, "must be a positive number of seconds")
	}
	d := time.Duration(*s) * time.Second
	return &d, nil
}

func (h *Handler) listApps(w http.ResponseWriter, r *http.Request, c call) error {
	pg, err := jsonapi.ParsePage(r)
	if err != nil {
		return err
	}
	xs, next, err := h.Service.ListApplications(r.Context(), c.p, c.tenant, pg)
	if err != nil {
		return err
	}
	return writeList(w, r, resources(xs, appResource), next)
}

func (h *Handler) createApp(w http.ResponseWriter, r *http.Request, c call) error {
	var in appIn
	id, err := jsonapi.Decode(w, r, typeApplication, "", &in)
	if err != nil {
		return err
	}
	// A client id may be chosen (configuration as code keeps them); it
	// may be given as the resource's id or as clientId, alike.
	if id != "" && in.ClientID != nil && *in.ClientID != id {
		return jsonapi.BadRequest("/data/attributes/clientId", "clientId differs from the resource's id")
	}
	patch, err := appPatch(&in)
	if err != nil {
		return err
	}
	if id != "" {
		patch.ClientID = &id
	} else {
		patch.ClientID = in.ClientID
	}
	patch.ClientSecret = in.ClientSecret
	a, clientSecret, err := h.Service.CreateApplication(r.Context(), c.p, c.tenant, patch)
	if err != nil {
		return err
	}
	return writeCreated(w, r, appResourceWithSecret(a, clientSecret))
}

func appPatch(in *appIn) (admin.ApplicationPatch, error) {
	access, err := seconds("accessTokenTtl", in.AccessTokenTTL)
	if err != nil {
		return admin.ApplicationPatch{}, err
	}
	refresh, err := seconds("refreshTokenTtl", in.RefreshTokenTTL)
	if err != nil {
		return admin.ApplicationPatch{}, err
	}
	var grace *time.Duration
	if in.RefreshReuseGrace != nil {
		if n := *in.RefreshReuseGrace; n < 0 || n > int64(domain.MaxRefreshReuseGrace/time.Second) {
			return admin.ApplicationPatch{}, domain.Invalid("refreshReuseGraceSeconds",
				"must be between 0 and %d seconds", int(domain.MaxRefreshReuseGrace/time.Second))
		}
		d := time.Duration(*in.RefreshReuseGrace) * time.Second
		grace = &d
	}
	var jwks *string
	if in.JWKS != nil {
		var b bytes.Buffer
		if string(in.JWKS) != "null" {
			if json.Compact(&b, in.JWKS) != nil || b.Len() == 0 || b.Bytes()[0] != '{' {
				return admin.ApplicationPatch{}, domain.Invalid("jwks", "must be a JWK Set object, or null")
			}
		}
		v := b.String()
		jwks = &v
	}
	exchange, err := exchangePolicy(in.TokenExchange)
	if err != nil {
		return admin.ApplicationPatch{}, err
	}
	return admin.ApplicationPatch{
		SetTokenExchange: in.TokenExchange != nil, TokenExchange: exchange,
		Name: in.Name, GrantTypes: in.GrantTypes, Scopes: in.Scopes, DefaultScopes: in.DefaultScopes,
		AccessTokenTTL: access, RefreshTokenTTL: refresh, RefreshReuseGrace: grace,
		ClientType: in.ClientType, RedirectURIs: in.RedirectURIs, PostLogoutRedirectURIs: in.PostLogoutRedirectURIs,
		FirstParty: in.FirstParty, IDTokenSigningAlg: in.IDTokenSigningAlg, Owner: in.Owner,
		JWKS: jwks, JWKSURI: in.JWKSURI, RequireDPoP: in.RequireDPoP,
	}, nil
}

func (h *Handler) getApp(w http.ResponseWriter, r *http.Request, c call) error {
	a, err := h.Service.GetApplication(r.Context(), c.p, c.tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeOne(w, http.StatusOK, appResource(a), r.URL.EscapedPath())
	return nil
}

func (h *Handler) updateApp(w http.ResponseWriter, r *http.Request, c call) error {
	id := r.PathValue("id")
	var in appIn
	if _, err := jsonapi.Decode(w, r, typeApplication, id, &in); err != nil {
		return err
	}
	if in.ClientSecret != nil {
		return jsonapi.BadRequest("/data/attributes/clientSecret", "a secret is set on create only; rotate it with POST …/applications/{id}/secret")
	}
	if in.ClientID != nil && *in.ClientID != id {
		return jsonapi.BadRequest("/data/attributes/clientId", "clientId is read-only")
	}
	patch, err := appPatch(&in)
	if err != nil {
		return err
	}
	a, err := h.Service.UpdateApplication(r.Context(), c.p, c.tenant, id, patch)
	if err != nil {
		return err
	}
	writeOne(w, http.StatusOK, appResource(a), r.URL.EscapedPath())
	return nil
}

// rotateAppSecret answers with the application and its new secret, shown
// this once.
func (h *Handler) rotateAppSecret(w http.ResponseWriter, r *http.Request, c call) error {
	a, clientSecret, err := h.Service.RotateApplicationSecret(r.Context(), c.p, c.tenant, r.PathValue("id"))
	if err != nil {
		return err
	}
	writeOne(w, http.StatusOK, appResourceWithSecret(a, clientSecret), strings.TrimSuffix(r.URL.EscapedPath(), "/secret"))
	return nil
}

func (h *Handler) deleteApp(w http.ResponseWriter, r *http.Request, c call) error {
	if err := h.Service.DeleteApplication(r.Context(), c.p, c.tenant, r.PathValue("id")); err != nil {
		return err
	}
	return noContent(w)
}

// exchangePolicy reads the tokenExchange attribute: an object with the
// policy's members only, or null (nil, nil).
func exchangePolicy(raw json.RawMessage) (*domain.TokenExchangePolicy, error) {
	if raw == nil || string(raw) == "null" {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	var p domain.TokenExchangePolicy
	if err := dec.Decode(&p); err != nil {
		return nil, domain.Invalid("tokenExchange", "must be {\"allowedSubjectIssuers\":[…],\"allowImpersonation\":…,\"allowedAudiences\":[…]} or null: %v", err)
	}
	return &p, nil
}
