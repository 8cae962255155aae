package domain

import "time"

// TenantCounts is how many users, applications and APIs a tenant has.
type TenantCounts struct {
	Users, Applications, APIs int64
}

// RefusalCount is the number of refused requests of one action (a token
// request, a revocation, …) with one reason (an OAuth error code).
type RefusalCount struct {
	Action string
	Reason string
	Count  int64
}

// AppUserCount is how many distinct users obtained tokens through an
// application with a user grant (see AppUser).
type AppUserCount struct {
	ClientID string
	Users    int64
}

// APITokenUsage summarises a tenant's personal API tokens at a time: how
// many exist, how many of those have expired, and how many were last
// used since each of the cut-offs the caller asked about.
type APITokenUsage struct {
	Total, Expired, NeverUsed int64
	UsedSince                 []UsedSince
}

// UsedSince is how many API tokens were last used at or after Since.
type UsedSince struct {
	Since time.Time
	Count int64
}
