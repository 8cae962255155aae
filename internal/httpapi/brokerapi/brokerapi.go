// Package brokerapi serves the token broker over HTTP (DESIGN §2 "Token
// broker"): a provider's upstream token at /{t}/broker/{provider}/token,
// and the tenant's default provider's at /{t}/tokens/GetAccessToken, the
// path embedded-analytics pages call. Package broker decides who may have
// which token; this package finds out who is calling and speaks HTTP.
package brokerapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"github.com/tollgate-dev/tollgate/internal/authheader"
	"github.com/tollgate-dev/tollgate/internal/authn"
	"github.com/tollgate-dev/tollgate/internal/broker"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/reqid"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
	"github.com/tollgate-dev/tollgate/internal/session"
)

// Config is what the Handler needs.
type Config struct {
	Broker *broker.Broker
	// Bearer authenticates bearer tokens: the bootstrap token, API tokens
	// and access tokens.
	Bearer *authn.Authenticator
	// Sessions authenticates a session cookie's value.
	Sessions *authn.Authenticator
	// Cookies names a tenant's session cookie (session.Manager).
	Cookies interface{ CookieName(tenant string) string }
	// Origin is the public URL's origin: a cookie counts only on a call
	// from it (session.FromOwnPage).
	Origin string
	Logger *slog.Logger
}

// Handler serves the broker's endpoints.
type Handler struct{ c Config }

// New returns a Handler.
func New(c Config) *Handler { return &Handler{c: c} }

// Register adds the broker's routes.
func (h *Handler) Register(m *route.Mux) {
	// Always under the tenant: a bare /broker/{provider}/token would
	// overlap /{tenant}/oauth2/token.
	m.HandleFunc("GET /{tenant}/broker/{provider}/token", h.token)
	m.Tenant("GET /tokens/GetAccessToken", h.token) // the default provider
}

// tokenResponse is the hand-out: RFC 6749 §5.1's fields and Azure AD
// v1's expires_on and resource, which embedded-analytics pages read.
type tokenResponse struct {
	AccessToken string `json:"access_token"`
	TokenType   string `json:"token_type"`
	ExpiresIn   int64  `json:"expires_in"`
	ExpiresOn   int64  `json:"expires_on"`
	Resource    string `json:"resource,omitempty"`
}

// token hands out a provider's token. The provider is found before the
// credential is verified: so an access token is only ever checked
// against the keys of an existing tenant (no key-cache entry for an
// invented one), without reading the tenant on every call; a caller
// with no credential at all learns nothing.
func (h *Handler) token(w http.ResponseWriter, r *http.Request) {
	tenant := route.TenantOf(r)
	var t broker.Token
	cred, err := credential(r, h.c.Cookies.CookieName(tenant))
	var p *domain.BrokerProvider
	if err == nil {
		p, err = h.c.Broker.Provider(r.Context(), tenant, r.PathValue("provider"))
	}
	var caller *authn.Principal
	if err == nil {
		caller, err = h.verify(r, tenant, cred)
	}
	if err == nil {
		t, err = h.c.Broker.HandOut(r.Context(), p, caller)
	}
	if err != nil {
		h.fail(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, tokenResponse{AccessToken: t.AccessToken, TokenType: "Bearer",
		ExpiresIn: int64(t.ExpiresIn / time.Second), ExpiresOn: t.ExpiresOn.Unix(), Resource: t.Resource})
}

// Refusals of the caller, before any provider is looked up.
var (
	errNoCredential = errors.New("sign in, or send a bearer token")
	errCrossSite    = errors.New("a call authenticated by the session cookie must come from this server's own pages")
)

// presented is the credential a request carries: a bearer token if it
// has an Authorization header, else the tenant's session cookie.
type presented struct {
	bearer, cookie string
}

func credential(r *http.Request, cookieName string) (presented, error) {
	c, err := authheader.Parse(r.Header)
	switch {
	case err != nil:
		return presented{}, err
	case c.Scheme == authheader.Bearer:
		return presented{bearer: c.Token}, nil
	case c.Scheme != "":
		return presented{}, errNoCredential
	}
	cookie, err := r.Cookie(cookieName)
	if err != nil || cookie.Value == "" {
		return presented{}, errNoCredential
	}
	return presented{cookie: cookie.Value}, nil
}

// verify authenticates the credential; a cookie only from this server's
// own pages.
func (h *Handler) verify(r *http.Request, tenant string, c presented) (*authn.Principal, error) {
	if c.bearer != "" {
		return h.c.Bearer.VerifyBearer(r.Context(), tenant, c.bearer)
	}
	if !session.FromOwnPage(r, h.c.Origin) {
		return nil, errCrossSite
	}
	return h.c.Sessions.Verify(r.Context(), tenant, c.cookie)
}

// fail writes err as {"error","error_description"}; causes are logged
// with the request id, never shown, and an upstream's body is in neither.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	id := reqid.From(r.Context())
	status, body := refusal(err, id)
	switch {
	case status == http.StatusUnauthorized:
		w.Header().Set("WWW-Authenticate", `Bearer realm="tollgate"`)
	case status >= 500:
		h.c.Logger.WarnContext(r.Context(), "broker token not handed out", "path", r.URL.Path, "request_id", id, "err", err)
	}
	writeJSON(w, status, body)
}

// errorBody is the JSON error. UpstreamError and RequestID are set on
// upstream failures, so an operator can match the caller's report with
// the log.
type errorBody struct {
	Error         string `json:"error"`
	Description   string `json:"error_description"`
	UpstreamError string `json:"upstream_error,omitempty"`
	RequestID     string `json:"request_id,omitempty"`
}

// refusal maps err to a status and a body: the one table of this surface.
func refusal(err error, requestID string) (int, errorBody) {
	var be *broker.Error
	switch {
	case errors.Is(err, errNoCredential), errors.Is(err, authn.ErrInvalid):
		return http.StatusUnauthorized, errorBody{Error: "unauthorized",
			Description: "Sign in, or send a bearer token with the provider's scope (broker:{provider})."}
	case errors.Is(err, authheader.ErrMalformed):
		return http.StatusBadRequest, errorBody{Error: "invalid_request", Description: err.Error()}
	case errors.Is(err, errCrossSite):
		return http.StatusForbidden, errorBody{Error: "forbidden", Description: errCrossSite.Error() + "."}
	case errors.Is(err, broker.ErrForbidden):
		return http.StatusForbidden, errorBody{Error: "forbidden",
			Description: "You may not receive this provider's token: it needs one of the provider's allowed roles, or a bearer token with scope broker:{provider}."}
	case errors.Is(err, broker.ErrUnknownProvider):
		return http.StatusNotFound, errorBody{Error: "not_found", Description: "No such tenant or token provider (or no default provider)."}
	case errors.As(err, &be):
		return be.Status, errorBody{Error: be.Code, Description: describe(be), UpstreamError: be.Upstream, RequestID: requestID}
	case errors.Is(err, domain.ErrUnavailable), errors.Is(err, context.DeadlineExceeded):
		return http.StatusServiceUnavailable, errorBody{Error: "temporarily_unavailable",
			Description: "The service is temporarily unavailable; try again.", RequestID: requestID}
	}
	return http.StatusInternalServerError, errorBody{Error: "server_error", Description: "Internal error.", RequestID: requestID}
}

// describe says what went wrong upstream in the caller's terms.
func describe(e *broker.Error) string {
	switch e.Code {
	case "upstream_error":
		return "The token provider refused the request."
	case "upstream_timeout":
		return "The token provider did not answer in time."
	case "upstream_unreachable":
		return "The token provider could not be reached."
	case "invalid_upstream_response":
		return "The token provider's answer was not a token."
	}
	return "The token provider is not configured correctly."
}

// writeJSON answers; a token must not be cached (RFC 6749 §5.1), and
// neither must a refusal that depends on the caller.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
