package broker

import (
	"errors"
	"fmt"
	"net/http"
)

// Error is a hand-out that failed. Code and Status are safe to show the
// caller; Cause is for the log and never holds what the upstream sent,
// which may carry secrets.
type Error struct {
	Status int
	// Code is ours: upstream_error, invalid_upstream_response,
	// upstream_timeout, upstream_unreachable, provider_misconfigured.
	Code string
	// Upstream is the upstream's own error code (RFC 6749 §5.2), kept
	// only when it is token-shaped.
	Upstream string
	Cause    error
}

func (e *Error) Error() string {
	s := e.Code
	if e.Upstream != "" {
		s += " (" + e.Upstream + ")"
	}
	if e.Cause != nil {
		s += ": " + e.Cause.Error()
	}
	return s
}

func (e *Error) Unwrap() error { return e.Cause }

// ErrUnknownProvider: the tenant has no such provider (or no default).
var ErrUnknownProvider = errors.New("broker: unknown provider")

func upstreamError(code string, status int, cause error) *Error {
	return &Error{Status: http.StatusBadGateway, Code: "upstream_error", Upstream: code,
		Cause: fmt.Errorf("upstream answered %d: %w", status, cause)}
}

func invalidResponse(cause error) *Error {
	return &Error{Status: http.StatusBadGateway, Code: "invalid_upstream_response", Cause: cause}
}

func misconfigured(cause error) *Error {
	return &Error{Status: http.StatusBadGateway, Code: "provider_misconfigured", Cause: cause}
}

// timeout: the upstream, or the node refreshing for us, did not
// answer within the upstream timeout.
func timeout(cause error) *Error {
	return &Error{Status: http.StatusGatewayTimeout, Code: "upstream_timeout", Cause: cause}
}

func unreachable(cause error) *Error {
	return &Error{Status: http.StatusBadGateway, Code: "upstream_unreachable", Cause: cause}
}
