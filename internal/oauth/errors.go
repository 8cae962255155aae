package oauth

import (
	"errors"
	"net/http"
	"time"

	"github.com/tollgate-dev/tollgate/internal/authheader"
	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Error codes of RFC 6749 §5.2, RFC 8707 §2 and RFC 7009 §2.2.1.
const (
	CodeInvalidRequest         = "invalid_request"
	CodeInvalidClient          = "invalid_client"
	CodeInvalidGrant           = "invalid_grant"
	CodeUnauthorizedClient     = "unauthorized_client"
	CodeUnsupportedGrantType   = "unsupported_grant_type"
	CodeInvalidScope           = "invalid_scope"
	CodeInvalidTarget          = "invalid_target"
	CodeUnsupportedTokenType   = "unsupported_token_type"
	CodeServerError            = "server_error"
	CodeTemporarilyUnavailable = "temporarily_unavailable"
	// RFC 9449 §5 and §8.
	CodeInvalidDPoPProof = "invalid_dpop_proof"
	CodeUseDPoPNonce     = "use_dpop_nonce"
)

// Error is an OAuth protocol error. Build it with the constructors so a
// shared value is never mutated.
type Error struct {
	Code        string
	Description string
	Status      int
	// Basic is set when the client authenticated with HTTP Basic, so the
	// 401 carries WWW-Authenticate: Basic (RFC 6749 §5.2).
	Basic bool
	// RetryAfter, when set, becomes a Retry-After header (503 responses,
	// throttled sign-ins).
	RetryAfter time.Duration
	// Reason, when set, replaces Code as the audit reason and metric label,
	// to tell refusals apart that the client must see alike.
	Reason string
	// Cause is logged, never shown.
	Cause error
	// DPoPNonce, when set, becomes a DPoP-Nonce header: the nonce the
	// client must put in its next proof (RFC 9449 §8).
	DPoPNonce string
}

func (e *Error) Error() string {
	if e.Description == "" {
		return e.Code
	}
	return e.Code + ": " + e.Description
}

func (e *Error) Unwrap() error { return e.Cause }

func newError(status int, code, desc string) *Error {
	return &Error{Code: code, Description: desc, Status: status}
}

// InvalidRequest: malformed or missing parameters.
func InvalidRequest(desc string) *Error {
	return newError(http.StatusBadRequest, CodeInvalidRequest, desc)
}

// InvalidClient: client authentication failed. basic reports whether the
// client tried HTTP Basic.
func InvalidClient(basic bool) *Error {
	e := newError(http.StatusUnauthorized, CodeInvalidClient, "client authentication failed")
	e.Basic = basic
	return e
}

// InvalidDPoPProof: the request's DPoP proof is missing where required,
// malformed, or does not match the request or the token (RFC 9449 §5).
func InvalidDPoPProof(desc string) *Error {
	return newError(http.StatusBadRequest, CodeInvalidDPoPProof, desc)
}

// UseDPoPNonce: the proof lacks the server's current nonce, which the
// answer carries (RFC 9449 §8).
func UseDPoPNonce(nonce string) *Error {
	e := newError(http.StatusBadRequest, CodeUseDPoPNonce, "put the nonce of the DPoP-Nonce header in the DPoP proof")
	e.DPoPNonce = nonce
	return e
}

// InvalidGrant: the credentials or refresh token are invalid.
func InvalidGrant(desc string) *Error {
	return newError(http.StatusBadRequest, CodeInvalidGrant, desc)
}

// ReasonThrottled is the audit reason of a sign-in refused by the limiter.
const ReasonThrottled = "throttled"

// Throttled: too many failed sign-ins. The answer is the same for every
// username, existing or not; only the wait differs.
func Throttled(retryAfter time.Duration) *Error {
	e := InvalidGrant("sign-in attempts are temporarily limited; retry later")
	e.RetryAfter, e.Reason = retryAfter, ReasonThrottled
	return e
}

// UnauthorizedClient: the client may not use this grant.
func UnauthorizedClient(desc string) *Error {
	return newError(http.StatusBadRequest, CodeUnauthorizedClient, desc)
}

// UnsupportedGrantType: the grant type is unknown.
func UnsupportedGrantType(desc string) *Error {
	return newError(http.StatusBadRequest, CodeUnsupportedGrantType, desc)
}

// InvalidScope: a requested scope is malformed.
func InvalidScope(desc string) *Error {
	return newError(http.StatusBadRequest, CodeInvalidScope, desc)
}

// InvalidTarget: a resource indicator is unacceptable (RFC 8707 §2).
func InvalidTarget(desc string) *Error {
	return newError(http.StatusBadRequest, CodeInvalidTarget, desc)
}

// Overloaded: password hashing is saturated; the client should retry.
func Overloaded() *Error {
	e := newError(http.StatusServiceUnavailable, CodeTemporarilyUnavailable, "the server is busy, retry shortly")
	e.RetryAfter = time.Second
	return e
}

// ServerError wraps an internal failure; the cause is logged only. A
// database that cannot be reached is no fault of the request: the client
// gets temporarily_unavailable (RFC 6749 §4.1.2.1) and may retry.
func ServerError(cause error) *Error {
	if errors.Is(cause, domain.ErrUnavailable) {
		return Unavailable(cause)
	}
	e := newError(http.StatusInternalServerError, CodeServerError, "internal error")
	e.Cause = cause
	return e
}

// Unavailable: the database did not answer; nothing was decided.
func Unavailable(cause error) *Error {
	e := newError(http.StatusServiceUnavailable, CodeTemporarilyUnavailable, "the service is temporarily unavailable, retry shortly")
	e.RetryAfter = time.Second
	e.Cause = cause
	return e
}

// AsError returns err as an *Error: a malformed Authorization header is
// invalid_request, anything else a server_error that keeps err as its
// cause.
func AsError(err error) *Error {
	var oe *Error
	if errors.As(err, &oe) {
		return oe
	}
	if errors.Is(err, authheader.ErrMalformed) {
		return InvalidRequest(err.Error())
	}
	return ServerError(err)
}
