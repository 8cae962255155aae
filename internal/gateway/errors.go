package gateway

import (
	"encoding/json"
	"net/http"
	"strconv"
	"strings"

	"github.com/tollgate-dev/tollgate/internal/token"
)

// refusal is the gateway's one protocol error: an HTTP status, an error
// code and, for 401/403, the WWW-Authenticate challenge (RFC 6750 §3).
type refusal struct {
	status      int
	code        string // "invalid_token", …; "" on a plain 401 challenge
	description string
	scope       string   // required scopes, for insufficient_scope
	allow       []string // for 405
	decision    string   // metrics label
	challenge   bool     // answer with WWW-Authenticate: a token problem
	dpop        bool     // the challenge is DPoP's (RFC 9449 §7.1), not Bearer's
	offerDPoP   bool     // a DPoP challenge follows the Bearer one
}

// dpopAlgs ends a DPoP challenge: the proof algorithms accepted.
var dpopAlgs = `, algs="` + strings.Join(token.SupportedAlgorithms(), " ") + `"`

func noToken() *refusal {
	// RFC 6750 §3.1: a request without credentials gets no error code;
	// both schemes are offered (RFC 9449 §7.1).
	return &refusal{status: http.StatusUnauthorized, description: "a bearer token is required", decision: "401", challenge: true, offerDPoP: true}
}

func invalidToken(desc string) *refusal {
	return &refusal{status: http.StatusUnauthorized, code: "invalid_token", description: desc, decision: "401", challenge: true}
}

// invalidProof refuses a DPoP-bound request whose proof fails (RFC 9449
// §7.1), or a bound token sent without one.
func invalidProof(desc string) *refusal {
	return &refusal{status: http.StatusUnauthorized, code: "invalid_dpop_proof", description: desc, decision: "401",
		challenge: true, dpop: true}
}

// boundAsBearer refuses a DPoP-bound token presented as a bearer token.
func boundAsBearer() *refusal {
	return &refusal{status: http.StatusUnauthorized, code: "invalid_token", decision: "401", challenge: true, dpop: true,
		description: "the token is bound to a DPoP key: send it as Authorization: DPoP, with a proof"}
}

func badAuthorization(desc string) *refusal {
	return &refusal{status: http.StatusBadRequest, code: "invalid_request", description: desc, decision: "400", challenge: true}
}

func insufficientScope(scopes []string) *refusal {
	return &refusal{status: http.StatusForbidden, code: "insufficient_scope", scope: strings.Join(scopes, " "),
		description: "the token lacks a scope this resource requires", decision: "403", challenge: true}
}

func routeRefusal(status int, allow []string) *refusal {
	switch status {
	case http.StatusBadRequest:
		return &refusal{status: status, code: "invalid_request", description: "the request path is not acceptable", decision: "400"}
	case http.StatusMethodNotAllowed:
		return &refusal{status: status, code: "method_not_allowed", description: "the resource does not accept this method", allow: allow, decision: "405"}
	}
	return &refusal{status: http.StatusNotFound, code: "not_found", description: "no API resource at this path", decision: "404"}
}

func upstreamRefusal(status int, desc string) *refusal {
	code := "bad_gateway"
	if status == http.StatusGatewayTimeout {
		code = "gateway_timeout"
	}
	return &refusal{status: status, code: code, description: desc, decision: "allowed"}
}

func unavailable() *refusal {
	return &refusal{status: http.StatusServiceUnavailable, code: "temporarily_unavailable",
		description: "the token could not be checked; try again", decision: "503"}
}

// write renders r as JSON; every refusal has a body, so clients never
// have to guess from a bare status.
func (r *refusal) write(w http.ResponseWriter, realm string) {
	h := w.Header()
	if r.challenge {
		h.Set("WWW-Authenticate", r.header(realm))
		if r.offerDPoP {
			h.Add("WWW-Authenticate", `DPoP realm=`+strconv.Quote(realm)+dpopAlgs)
		}
	}
	if len(r.allow) > 0 {
		h.Set("Allow", strings.Join(r.allow, ", "))
	}
	if r.status == http.StatusServiceUnavailable {
		h.Set("Retry-After", "1")
	}
	h.Set("Content-Type", "application/json")
	h.Set("Cache-Control", "no-store")
	code := r.code
	if code == "" {
		code = "unauthorized"
	}
	w.WriteHeader(r.status)
	_ = json.NewEncoder(w).Encode(struct {
		Error       string `json:"error"`
		Description string `json:"error_description"`
		Scope       string `json:"scope,omitempty"`
	}{code, r.description, r.scope})
}

func (r *refusal) header(realm string) string {
	var b strings.Builder
	if r.dpop {
		b.WriteString("DPoP realm=")
	} else {
		b.WriteString("Bearer realm=")
	}
	b.WriteString(strconv.Quote(realm))
	if r.code != "" {
		b.WriteString(`, error="` + r.code + `"`)
		b.WriteString(`, error_description=` + strconv.Quote(r.description))
	}
	if r.scope != "" {
		b.WriteString(`, scope=` + strconv.Quote(r.scope))
	}
	if r.dpop {
		b.WriteString(dpopAlgs)
	}
	return b.String()
}
