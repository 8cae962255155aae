package oauth

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Error codes of the authorization endpoint (RFC 6749 §4.1.2.1, OIDC
// Core §3.1.2.6).
const (
	CodeAccessDenied            = "access_denied"
	CodeUnsupportedResponseType = "unsupported_response_type"
	CodeLoginRequired           = "login_required"
	CodeConsentRequired         = "consent_required"
	CodeRequestNotSupported     = "request_not_supported"
	CodeRequestURINotSupported  = "request_uri_not_supported"
	CodeRegistrationNotSupp     = "registration_not_supported"
)

// AuthorizeRequest is a validated authorization request (RFC 6749 §4.1.1,
// OIDC Core §3.1.2.1, RFC 7636 §4.3).
type AuthorizeRequest struct {
	Tenant      string
	App         *domain.Application
	RedirectURI string // where the response goes
	// redirectParam is redirect_uri as sent, "" when left out; the token
	// request must repeat it (RFC 6749 §4.1.3).
	redirectParam string
	scope         scopeParam
	State         string
	Nonce         string
	Challenge     string // S256 code challenge
	Prompt        Prompt
	MaxAge        time.Duration // negative: not sent
	LoginHint     string
	Resources     []string
	// Params are the request's parameters as sent, for the sign-in and
	// consent pages to carry back; the request is validated again there.
	Params url.Values
}

// Prompt is the prompt parameter (OIDC Core §3.1.2.1).
type Prompt struct{ None, Login, Consent bool }

// maxAuthorizeParams bounds the parameters of one request.
const maxAuthorizeParams = 40

// ParseAuthorize validates an authorization request of tenant. Errors found
// before the client and its redirect URI are known are an *Error, to be
// shown to the user and never redirected (RFC 6749 §4.1.2.1); later ones
// are a *RedirectError, sent back to the client.
func (s *Server) ParseAuthorize(ctx context.Context, tenant string, q url.Values) (*AuthorizeRequest, error) {
	if len(q) > maxAuthorizeParams {
		return nil, InvalidRequest("too many parameters")
	}
	for name, vs := range q {
		if err := checkValue(name, strings.Join(vs, "")); err != nil {
			return nil, err
		}
		if len(vs) > 1 && name != "resource" {
			return nil, InvalidRequest("parameter " + strconv.Quote(name) + " repeated")
		}
	}
	clientID := q.Get("client_id")
	if clientID == "" {
		return nil, InvalidRequest("missing client_id")
	}
	resolved, err := s.resolveTenant(ctx, tenant, clientID)
	if err != nil {
		return nil, err
	}
	app, err := s.application(ctx, resolved, clientID)
	if errors.Is(err, domain.ErrNotFound) || isEmbedClient(clientID) {
		return nil, InvalidRequest("unknown client_id")
	}
	if err != nil {
		return nil, ServerError(err)
	}
	redirect, err := registeredRedirect(app, q.Get("redirect_uri"))
	if err != nil {
		return nil, err
	}
	r := &AuthorizeRequest{
		Tenant: resolved, App: app, RedirectURI: redirect, redirectParam: q.Get("redirect_uri"),
		State: q.Get("state"), Nonce: q.Get("nonce"), LoginHint: q.Get("login_hint"),
		Resources: q["resource"], Params: q, MaxAge: -1,
	}
	if err := r.parseRest(q); err != nil {
		return nil, s.redirectError(r, err)
	}
	return r, nil
}

// registeredRedirect returns the redirect URI a request may use: the one
// it names, compared exactly with the registered ones (OAuth 2.1 §2.3.1),
// or the only one registered.
func registeredRedirect(app *domain.Application, param string) (string, error) {
	if param == "" {
		if len(app.RedirectURIs) != 1 {
			return "", InvalidRequest("missing redirect_uri")
		}
		return app.RedirectURIs[0], nil
	}
	if !slices.Contains(app.RedirectURIs, param) && !slices.ContainsFunc(app.RedirectURIs, func(r string) bool { return loopbackMatch(r, param) }) {
		return "", InvalidRequest("redirect_uri is not registered for this client")
	}
	return param, nil
}

// loopbackMatch reports whether param is the registered loopback IP
// redirect URI registered with another port, or none, which RFC 8252
// §7.3 requires to be allowed: a native app listens on whatever port it
// gets. Everything else, the address included, must be identical.
func loopbackMatch(registered, param string) bool {
	r, rok := withoutLoopbackPort(registered)
	p, pok := withoutLoopbackPort(param)
	return rok && pok && r == p && domain.ValidateRedirectURI("redirect_uri", param) == nil
}

// withoutLoopbackPort is uri, an http URI on 127.0.0.1 or [::1], without
// its port; ok is false for any other URI or a malformed port.
func withoutLoopbackPort(uri string) (string, bool) {
	rest, ok := strings.CutPrefix(uri, "http://")
	if !ok {
		return "", false
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	host, port := rest[:end], ""
	if i := strings.LastIndexByte(host, ':'); i >= 0 && !strings.HasSuffix(host, "]") {
		host, port = host[:i], host[i+1:]
		if n, err := strconv.Atoi(port); err != nil || n < 1 || n > 65535 || strconv.Itoa(n) != port {
			return "", false
		}
	}
	if host != "127.0.0.1" && host != "[::1]" {
		return "", false
	}
	return "http://" + host + rest[end:], true
}

// parseRest checks what comes after the redirect URI is known.
func (r *AuthorizeRequest) parseRest(q url.Values) error {
	for name, code := range map[string]string{
		"request": CodeRequestNotSupported, "request_uri": CodeRequestURINotSupported,
		"registration": CodeRegistrationNotSupp,
	} {
		if q.Has(name) {
			return newError(http.StatusBadRequest, code, name+" is not supported")
		}
	}
	switch rt := q.Get("response_type"); rt {
	case "code":
	case "":
		return InvalidRequest("missing response_type")
	default:
		return newError(http.StatusBadRequest, CodeUnsupportedResponseType, "response_type must be code")
	}
	if m := q.Get("response_mode"); m != "" && m != "query" {
		return InvalidRequest("response_mode must be query")
	}
	if !r.App.AllowsGrant(domain.GrantAuthorizationCode) {
		return UnauthorizedClient("the client may not use the authorization code grant")
	}
	if err := r.parsePKCE(q); err != nil {
		return err
	}
	var err error
	if r.scope, err = parseScope(q.Get("scope")); err != nil {
		return err
	}
	if r.Prompt, err = parsePrompt(q.Get("prompt")); err != nil {
		return err
	}
	if v := q.Get("max_age"); v != "" {
		n, err := strconv.ParseInt(v, 10, 32)
		if err != nil || n < 0 {
			return InvalidRequest("max_age must be a non-negative number of seconds")
		}
		r.MaxAge = time.Duration(n) * time.Second
	}
	if len(r.Resources) > maxResources {
		return InvalidTarget("too many resource parameters")
	}
	_, err = audience(r.Resources, nil, r.App.ID)
	return err
}

// parsePKCE requires an S256 code challenge from every client (OAuth 2.1
// §4.1.1): plain would hand the verifier to whoever sees the request.
func (r *AuthorizeRequest) parsePKCE(q url.Values) error {
	r.Challenge = q.Get("code_challenge")
	switch m := q.Get("code_challenge_method"); {
	case r.Challenge == "":
		return InvalidRequest("code_challenge is required (PKCE with S256)")
	case m != "S256":
		return InvalidRequest("code_challenge_method must be S256")
	case !validChallenge(r.Challenge):
		return InvalidRequest("code_challenge must be the base64url SHA-256 of the code verifier (43 characters)")
	}
	return nil
}

// validChallenge: an S256 challenge is 32 bytes in unpadded base64url.
func validChallenge(c string) bool {
	if len(c) != 43 {
		return false
	}
	for i := 0; i < len(c); i++ {
		if !isBase64URL(c[i]) {
			return false
		}
	}
	return true
}

func isBase64URL(c byte) bool {
	return 'A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '-' || c == '_'
}

// parsePrompt reads prompt; none may not be combined with another value.
func parsePrompt(v string) (Prompt, error) {
	var p Prompt
	for _, x := range strings.Fields(v) {
		switch x {
		case "none":
			p.None = true
		case "login", "select_account":
			p.Login = true
		case "consent":
			p.Consent = true
		default:
			return Prompt{}, InvalidRequest("unsupported prompt " + strconv.Quote(x))
		}
	}
	if p.None && (p.Login || p.Consent) {
		return Prompt{}, InvalidRequest("prompt=none cannot be combined with other values")
	}
	return p, nil
}

// RedirectError is an authorization error sent back to the client's
// redirect URI, with state and the issuer (RFC 9207).
type RedirectError struct {
	Err                        *Error
	redirectURI, state, issuer string
}

func (e *RedirectError) Error() string { return e.Err.Error() }
func (e *RedirectError) Unwrap() error { return e.Err }

// Location is the URL the user agent is sent to.
func (e *RedirectError) Location() string {
	v := url.Values{"error": {e.Err.Code}, "iss": {e.issuer}}
	if e.Err.Description != "" {
		v.Set("error_description", e.Err.Description)
	}
	if e.state != "" {
		v.Set("state", e.state)
	}
	return withQuery(e.redirectURI, v)
}

func (s *Server) redirectError(r *AuthorizeRequest, err error) *RedirectError {
	return &RedirectError{Err: AsError(err), redirectURI: r.RedirectURI, state: r.State, issuer: s.keys.Issuer(r.Tenant)}
}

// withQuery adds v to uri's query, keeping what it has (RFC 6749 §3.1.2).
func withQuery(uri string, v url.Values) string {
	sep := "?"
	if strings.Contains(uri, "?") {
		sep = "&"
	}
	return uri + sep + v.Encode()
}
