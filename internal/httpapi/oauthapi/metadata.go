package oauthapi

import (
	"encoding/json"
	"net/http"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
)

// metadata is the RFC 8414 authorization server metadata, also served as
// OpenID Connect discovery so OIDC libraries can find the keys.
type metadata struct {
	Issuer                   string   `json:"issuer"`
	TokenEndpoint            string   `json:"token_endpoint"`
	JWKSURI                  string   `json:"jwks_uri"`
	IntrospectionEndpoint    string   `json:"introspection_endpoint"`
	RevocationEndpoint       string   `json:"revocation_endpoint"`
	GrantTypesSupported      []string `json:"grant_types_supported"`
	ResponseTypesSupported   []string `json:"response_types_supported"`
	TokenAuthMethods         []string `json:"token_endpoint_auth_methods_supported"`
	IntrospectionAuthMethods []string `json:"introspection_endpoint_auth_methods_supported"`
	RevocationAuthMethods    []string `json:"revocation_endpoint_auth_methods_supported"`
	SigningAlgs              []string `json:"token_endpoint_auth_signing_alg_values_supported,omitempty"`
	SubjectTypes             []string `json:"subject_types_supported"`
	IDTokenSigningAlgs       []string `json:"id_token_signing_alg_values_supported"`
}

var clientAuthMethods = []string{"client_secret_basic", "client_secret_post"}

// Metadata serves the tenant's discovery document.
func (h *Handler) Metadata(w http.ResponseWriter, r *http.Request) {
	tenant := route.TenantOf(r)
	if err := h.srv.CheckTenant(r.Context(), tenant); err != nil {
		h.writeError(w, r, err)
		return
	}
	// go-oidc and others accept only advertised algorithms: list what the
	// tenant's published keys use, so a rotation to EdDSA or RS256 (and
	// tokens of the retired key meanwhile) keeps verifying.
	algs, err := h.keys.Algorithms(r.Context(), tenant)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	iss := h.keys.Issuer(tenant)
	doc := metadata{
		Issuer:                   iss,
		TokenEndpoint:            iss + "/oauth2/token",
		JWKSURI:                  iss + "/oauth2/jwks",
		IntrospectionEndpoint:    iss + "/oauth2/introspect",
		RevocationEndpoint:       iss + "/oauth2/revoke",
		GrantTypesSupported:      []string{domain.GrantPassword, domain.GrantClientCredentials, domain.GrantRefreshToken, domain.GrantEmbedSecret},
		ResponseTypesSupported:   []string{},
		TokenAuthMethods:         clientAuthMethods,
		IntrospectionAuthMethods: clientAuthMethods,
		RevocationAuthMethods:    clientAuthMethods,
		SubjectTypes:             []string{"public"},
		IDTokenSigningAlgs:       algs,
	}
	writePublicJSON(w, doc)
}

// JWKS serves the tenant's published public keys (RFC 7517).
func (h *Handler) JWKS(w http.ResponseWriter, r *http.Request) {
	tenant := route.TenantOf(r)
	if err := h.srv.CheckTenant(r.Context(), tenant); err != nil {
		h.writeError(w, r, err)
		return
	}
	set, err := h.keys.JWKS(r.Context(), tenant)
	if err != nil {
		h.writeError(w, r, err)
		return
	}
	writePublicJSON(w, set)
}

// writePublicJSON writes a document verifiers may cache briefly; short,
// because a rotated key must reach them soon.
func writePublicJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "public, max-age=60")
	_ = json.NewEncoder(w).Encode(v)
}
