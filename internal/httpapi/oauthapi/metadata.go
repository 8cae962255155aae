package oauthapi

import (
	"context"
	"net/http"
	"slices"

	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/token"
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
	// Browser sign-in (OIDC Discovery 1.0 §3, RFC 7636, RFC 9207).
	AuthorizationEndpoint string   `json:"authorization_endpoint"`
	UserinfoEndpoint      string   `json:"userinfo_endpoint"`
	EndSessionEndpoint    string   `json:"end_session_endpoint"`
	CodeChallengeMethods  []string `json:"code_challenge_methods_supported"`
	ScopesSupported       []string `json:"scopes_supported"`
	ClaimsSupported       []string `json:"claims_supported"`
	ResponseModes         []string `json:"response_modes_supported"`
	PromptValues          []string `json:"prompt_values_supported"`
	IssParameter          bool     `json:"authorization_response_iss_parameter_supported"`
	DPoPSigningAlgs       []string `json:"dpop_signing_alg_values_supported"` // RFC 9449 §5.1
}

// clientAuthMethods: a secret, or a JWT signed with a registered key
// (private_key_jwt, RFC 7523 §2.2).
var clientAuthMethods = []string{"client_secret_basic", "client_secret_post", "private_key_jwt"}

// tokenAuthMethods adds "none": public clients name themselves only.
var tokenAuthMethods = append(slices.Clone(clientAuthMethods), "none")

// claimsSupported are the claims ID tokens and userinfo may carry.
var claimsSupported = []string{"iss", "sub", "aud", "exp", "iat", "auth_time", "nonce", "at_hash", "sid", "amr", "azp",
	"name", "preferred_username", "updated_at", "email", "email_verified"}

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
	// tokens of the retired key meanwhile) keeps verifying, for ID tokens
	// and for resource servers that verify access tokens the same way; and
	// RS256, which any application may ask for its ID tokens.
	algs, err := h.keys.IDTokenAlgorithms(ctx, tenant)
	if err != nil {
		return nil, err
	}
	iss := h.keys.Issuer(tenant)
	return metadata{
		Issuer:                iss,
		TokenEndpoint:         iss + "/oauth2/token",
		JWKSURI:               iss + "/oauth2/jwks",
		IntrospectionEndpoint: iss + "/oauth2/introspect",
		RevocationEndpoint:    iss + "/oauth2/revoke",
		GrantTypesSupported: []string{domain.GrantAuthorizationCode, domain.GrantPassword, domain.GrantClientCredentials,
			domain.GrantRefreshToken, domain.GrantEmbedSecret, domain.GrantTokenExchange},
		ResponseTypesSupported:   []string{"code"},
		TokenAuthMethods:         tokenAuthMethods,
		SigningAlgs:              token.SupportedAlgorithms(), // of client assertions
		IntrospectionAuthMethods: clientAuthMethods,
		RevocationAuthMethods:    clientAuthMethods,
		SubjectTypes:             []string{"public"},
		IDTokenSigningAlgs:       algs,
		AuthorizationEndpoint:    iss + "/oauth2/authorize",
		UserinfoEndpoint:         iss + "/oauth2/userinfo",
		EndSessionEndpoint:       iss + "/oauth2/logout",
		CodeChallengeMethods:     []string{"S256"},
		ScopesSupported:          []string{domain.ScopeOpenID, domain.ScopeProfile, domain.ScopeEmail},
		ClaimsSupported:          claimsSupported,
		ResponseModes:            []string{"query"},
		PromptValues:             []string{"none", "login", "consent", "select_account"},
		IssParameter:             true,
		DPoPSigningAlgs:          token.SupportedAlgorithms(),
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
