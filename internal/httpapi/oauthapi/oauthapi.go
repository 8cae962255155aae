// Package oauthapi serves the public OAuth 2.0 endpoints: token,
// introspection, revocation, JWKS and discovery metadata. Protocol logic
// lives in package oauth; this package only speaks HTTP.
package oauthapi

import (
	"encoding/json"
	"log/slog"
	"net"
	"net/http"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/authheader"
	"github.com/tollgate-dev/tollgate/internal/domain"
	"github.com/tollgate-dev/tollgate/internal/httpapi/reqid"
	"github.com/tollgate-dev/tollgate/internal/httpapi/route"
	"github.com/tollgate-dev/tollgate/internal/oauth"
	"github.com/tollgate-dev/tollgate/internal/token"
)

// Handler holds the endpoints' dependencies.
type Handler struct {
	srv    *oauth.Server
	keys   *token.Keyring
	log    *slog.Logger
	public publicDocs
	// base is the public URL of the listener the endpoints answer on,
	// which DPoP proofs name.
	base string
}

// New returns a Handler for the main listener, whose public URL is the
// default tenant's issuer.
func New(srv *oauth.Server, keys *token.Keyring, log *slog.Logger) *Handler {
	return &Handler{srv: srv, keys: keys, log: log, base: keys.Issuer(domain.DefaultTenant)}
}

// At returns a copy of h answering on another listener, whose public URL
// is base (the gateway's).
func (h *Handler) At(base string) *Handler {
	return &Handler{srv: h.srv, keys: h.keys, log: h.log, base: base}
}

// Token serves the token endpoint (RFC 6749 §3.2).
func (h *Handler) Token(w http.ResponseWriter, r *http.Request) {
	req, err := h.parse(r)
	if err == nil {
		var resp *oauth.TokenResponse
		if resp, err = h.srv.Token(r.Context(), route.TenantOf(r), req); err == nil {
			if n := h.srv.DPoPNonce(); n != "" && len(req.DPoP) > 0 {
				w.Header().Set("DPoP-Nonce", n) // RFC 9449 §8.2: the next proof's
			}
			writeJSON(w, http.StatusOK, resp)
			return
		}
	}
	h.writeError(w, r, err)
}

// Introspect serves RFC 7662.
func (h *Handler) Introspect(w http.ResponseWriter, r *http.Request) {
	req, err := h.parse(r)
	if err == nil {
		var resp *oauth.Introspection
		if resp, err = h.srv.Introspect(r.Context(), route.TenantOf(r), req); err == nil {
			writeJSON(w, http.StatusOK, resp)
			return
		}
	}
	h.writeError(w, r, err)
}

// Revoke serves RFC 7009.
func (h *Handler) Revoke(w http.ResponseWriter, r *http.Request) {
	req, err := h.parse(r)
	if err == nil {
		if err = h.srv.Revoke(r.Context(), route.TenantOf(r), req); err == nil {
			w.Header().Set("Cache-Control", "no-store")
			w.WriteHeader(http.StatusOK)
			return
		}
	}
	h.writeError(w, r, err)
}

// PostOnly refuses other methods on POST endpoints in the protocol's format.
func (h *Handler) PostOnly(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Allow", http.MethodPost)
	e := oauth.InvalidRequest("use POST")
	e.Status = http.StatusMethodNotAllowed
	h.writeError(w, r, e)
}

func (h *Handler) parse(r *http.Request) (*oauth.Request, error) {
	// Refused alike on every endpoint (two headers, "Basic  x").
	if _, err := authheader.Parse(r.Header); err != nil {
		return nil, err
	}
	req, err := oauth.ParseRequest(r.Header.Get("Content-Type"), r.Header.Get("Authorization"), r.Body)
	if err != nil {
		return nil, err
	}
	req.RemoteAddr = remoteIP(r)
	if proofs := r.Header.Values("DPoP"); len(proofs) > 0 {
		// The URL a proof must name; built only for a request with one.
		req.DPoP, req.URL = proofs, strings.TrimSuffix(h.base, "/")+r.URL.EscapedPath()
	}
	return req, nil
}

func remoteIP(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// writeError renders every OAuth error (RFC 6749 §5.2); internal causes are
// logged, never shown.
func (h *Handler) writeError(w http.ResponseWriter, r *http.Request, err error) {
	e := oauth.AsError(err)
	if e.Status >= 500 && e.Cause != nil {
		level := slog.LevelError
		if e.Status == http.StatusServiceUnavailable {
			level = slog.LevelWarn // an outage or overload, not a fault of ours
		}
		h.log.Log(r.Context(), level, "oauth request failed", "path", r.URL.Path, "request_id", reqid.From(r.Context()), "err", e.Cause)
	}
	if e.Basic && e.Status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Basic realm="tollgate", charset="UTF-8"`)
	}
	if e.DPoPNonce != "" {
		w.Header().Set("DPoP-Nonce", e.DPoPNonce)
	}
	if e.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int(e.RetryAfter.Seconds())))
	}
	body := struct {
		Error       string `json:"error"`
		Description string `json:"error_description,omitempty"`
	}{e.Code, e.Description}
	writeJSON(w, e.Status, body)
}

// writeJSON writes a protocol response; token responses must not be cached
// (RFC 6749 §5.1), and no OAuth response should be.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("Pragma", "no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
