package domain

import "time"

// ThrottleKey names a counter of failed sign-ins: a username at one
// address, a username at every address (Addr ""), or an address across
// every tenant and username (Tenant and Username "").
type ThrottleKey struct {
	Tenant, Username, Addr string
}

// LoginFailures is a counter of failed sign-ins. It is forgotten at
// ExpiresAt, a window after the Last failure.
type LoginFailures struct {
	Key       ThrottleKey
	Count     int
	Last      time.Time
	ExpiresAt time.Time
}
