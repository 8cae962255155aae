package oauthapi

import (
	"context"
	"net/http"

	"github.com/tollgate-dev/tollgate/internal/domain"
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
	h.servePublic(w, r, "metadata", h.metadata)
}

func (h *Handler) metadata(ctx context.Context, tenant string) (any, error) {
	if err := h.srv.CheckTenant(ctx, tenant); err != nil {
		return nil, err
	}
	// go-oidc and others accept only advertised algorithms: list what the
	// tenant's published keys use, so a rotation to EdDSA or RS256 (and
	// tokens of the retired key meanwhile) keeps verifying.
	algs, err := h.keys.Algorithms(ctx, tenant)
	if err != nil {
		return nil, err
	}
	iss := h.keys.Issuer(tenant)
	return metadata{
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
	}, nil
}

// JWKS serves the tenant's published public keys (RFC 7517).
func (h *Handler) JWKS(w http.ResponseWriter, r *http.Request) {
	h.servePublic(w, r, "jwks", func(ctx context.Context, tenant string) (any, error) {
		if err := h.srv.CheckTenant(ctx, tenant); err != nil {
			return nil, err
		}
		return h.keys.JWKS(ctx, tenant)
	})
}
