package oauthapi

import "github.com/tollgate-dev/tollgate/internal/httpapi/route"

// Register adds the OAuth routes (DESIGN §2 "OAuth 2.0 endpoints"). The
// endpoints browser apps call directly answer CORS (cors.go).
func (h *Handler) Register(m *route.Mux) {
	m.Tenant("POST /oauth2/token", cors(h.Token))
	m.HandleFunc("POST /token", cors(h.Token))
	m.Tenant("POST /oauth2/introspect", h.Introspect)
	m.Tenant("POST /oauth2/revoke", cors(h.Revoke))
	m.HandleFunc("POST /revoke", cors(h.Revoke))
	for _, p := range []string{"/oauth2/token", "/oauth2/introspect", "/oauth2/revoke"} {
		m.Tenant("GET "+p, h.PostOnly)
	}
	m.HandleFunc("GET /token", h.PostOnly)
	m.HandleFunc("GET /revoke", h.PostOnly)

	m.Tenant("GET /oauth2/userinfo", cors(h.UserInfo))
	m.Tenant("POST /oauth2/userinfo", cors(h.UserInfo))
	m.Tenant("GET /oauth2/jwks", cors(h.JWKS))
	m.Tenant("GET /.well-known/oauth-authorization-server", cors(h.Metadata))
	m.Tenant("GET /.well-known/openid-configuration", cors(h.Metadata))
	// RFC 8414 §3.1 places the document of an issuer with a path after the
	// well-known segment.
	m.HandleFunc("GET /.well-known/oauth-authorization-server/{tenant}", cors(h.Metadata))
	for _, p := range []string{"/oauth2/token", "/oauth2/revoke", "/oauth2/userinfo", "/oauth2/jwks",
		"/.well-known/oauth-authorization-server", "/.well-known/openid-configuration"} {
		m.Tenant("OPTIONS "+p, preflight)
	}
}

// RegisterGateway adds the endpoints the gateway listener serves besides
// APIs (gateway.WithTokenService routes only these paths here): token and
// revocation, as API-manager clients call them at https://gateway:8243/token.
func (h *Handler) RegisterGateway(m *route.Mux) {
	for _, p := range []string{"/token", "/{tenant}/oauth2/token"} {
		m.HandleFunc("POST "+p, h.Token)
		m.HandleFunc("GET "+p, h.PostOnly)
	}
	for _, p := range []string{"/revoke", "/{tenant}/oauth2/revoke"} {
		m.HandleFunc("POST "+p, h.Revoke)
		m.HandleFunc("GET "+p, h.PostOnly)
	}
}
