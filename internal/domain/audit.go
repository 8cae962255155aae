package domain

import (
	"strconv"
	"strings"
	"time"
)

// Audit outcomes.
const (
	OutcomeSuccess = "success"
	OutcomeFailure = "failure"
)

// Audit actions of the token service; admin changes use "<entity>.<verb>"
// (e.g. "application.create").
const (
	ActionToken      = "token"
	ActionRevoke     = "revoke"
	ActionIntrospect = "introspect"
)

// AuditEvent is one recorded issuance, refusal, revocation or admin change.
// It never carries a secret or a token, only who, what and how it ended.
type AuditEvent struct {
	ID         int64 // assigned by the store
	Time       time.Time
	Tenant     string
	Action     string // ActionToken, ActionRevoke, … or an admin action
	Grant      string // grant_type of token events
	Outcome    string // OutcomeSuccess or OutcomeFailure
	Reason     string // error code of a failure (an OAuth code, "forbidden", …), never free text
	ClientID   string
	UserID     string // the token's user, or the admin who made a change
	Target     string // the id an admin change applied to
	RemoteAddr string
	RequestID  string
	// Stored marks an event already written by store.InsertAuditEvents,
	// which store.AppendAudit then only counts. Not itself stored.
	Stored bool
}

// AuditFilter selects audit events of one tenant, newest first. Zero
// fields do not filter. After, when set, continues a listing after that
// (Time, ID) position.
type AuditFilter struct {
	Since, Until time.Time // Since ≤ Time < Until
	Action       string
	Grant        string
	Outcome      string
	ClientID     string
	UserID       string
	After        *AuditCursor
	Limit        int
}

// AuditCursor is a position in the (Time, ID) order of audit events.
type AuditCursor struct {
	Time time.Time
	ID   int64
}

// String is the cursor as links to a next page carry it: "<unix µs>.<id>".
func (c AuditCursor) String() string {
	return strconv.FormatInt(c.Time.UnixMicro(), 10) + "." + strconv.FormatInt(c.ID, 10)
}

// ParseAuditCursor reads what String wrote; ok is false for anything else.
func ParseAuditCursor(s string) (c *AuditCursor, ok bool) {
	us, id, found := strings.Cut(s, ".")
	t, err1 := strconv.ParseInt(us, 10, 64)
	n, err2 := strconv.ParseInt(id, 10, 64)
	if !found || err1 != nil || err2 != nil {
		return nil, false
	}
	return &AuditCursor{Time: time.UnixMicro(t).UTC(), ID: n}, true
}

// TokenCount is the number of tokens issued in one bucket for one grant
// and application.
type TokenCount struct {
	Start    time.Time // bucket start (UTC hour or day)
	Grant    string
	ClientID string
	Count    int64
}

// AppUser is a user who obtained a token through an application with a
// user grant (password or embed), and when that first happened.
type AppUser struct {
	UserID    string
	FirstSeen time.Time
}
