package domain

import "time"

// MinSessionTimeout is the shortest idle timeout or maximum age a tenant
// may set: shorter would end sessions while a user is still signing in.
const MinSessionTimeout = time.Minute

// validateSessionTimeouts checks a tenant's session idle timeout and
// maximum age: each 0 (the default) or whole seconds from a minute up to
// MaxSessionMaxAge, and the idle timeout no longer than the maximum age
// (defaults included), which would make it meaningless.
func validateSessionTimeouts(t *Tenant) error {
	for _, x := range []struct {
		field string
		d     time.Duration
	}{{"sessionIdleTimeoutSeconds", t.SessionIdleTimeout}, {"sessionMaxAgeSeconds", t.SessionMaxAge}} {
		if x.d != 0 && (x.d < MinSessionTimeout || x.d > MaxSessionMaxAge || x.d%time.Second != 0) {
			return InvalidSessionTimeout(x.field)
		}
	}
	idle, maxAge := t.SessionIdleTimeout, t.SessionMaxAge
	if idle == 0 {
		idle = DefaultSessionIdleTimeout
	}
	if maxAge == 0 {
		maxAge = DefaultSessionMaxAge
	}
	if idle > maxAge {
		return Invalid("sessionIdleTimeoutSeconds", "%d seconds is longer than the session maximum age (sessionMaxAgeSeconds, %d seconds)",
			int64(idle/time.Second), int64(maxAge/time.Second))
	}
	return nil
}

// InvalidSessionTimeout is the error for a session timeout attribute out
// of range; the API refuses such values with it before converting them
// to a Duration, which could overflow.
func InvalidSessionTimeout(field string) error {
	return Invalid(field, "must be 0 (the default) or a whole number of seconds from %d to %d",
		int64(MinSessionTimeout/time.Second), int64(MaxSessionMaxAge/time.Second))
}
