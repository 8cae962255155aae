package domain

import (
	"errors"
	"fmt"
)

// Sentinel errors that stores and use cases return; protocol layers map them
// to their own error formats (one table each).
var (
	// ErrNotFound: the addressed record does not exist in this tenant.
	ErrNotFound = errors.New("not found")
	// ErrConflict: a record with the same identity exists already.
	ErrConflict = errors.New("already exists")
	// ErrTokenReused: a rotated refresh token was presented again; the store
	// has revoked its whole family in the same transaction.
	ErrTokenReused = errors.New("refresh token reused")
	// ErrUnavailable: the database could not be reached or did not answer
	// within its deadline. Nothing was decided; the caller may retry.
	ErrUnavailable = errors.New("database unavailable")
)

// InvalidError reports input that fails validation. Field names the
// offending attribute so the API can point at it.
type InvalidError struct {
	Field  string
	Reason string
}

func (e *InvalidError) Error() string {
	if e.Field == "" {
		return e.Reason
	}
	return fmt.Sprintf("%s: %s", e.Field, e.Reason)
}

// Invalid builds an *InvalidError.
func Invalid(field, format string, args ...any) error {
	return &InvalidError{Field: field, Reason: fmt.Sprintf(format, args...)}
}

// IsInvalid reports whether err is (or wraps) an *InvalidError.
func IsInvalid(err error) bool {
	var ie *InvalidError
	return errors.As(err, &ie)
}
