package feedwire

import (
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// PathChanges is the change feed, read like PathRevocations: after, limit
// and waitMs. A request without after asks only for the position.
const PathChanges = "/api/v1/gateway/changes"

// Changes is the answer of PathChanges: the changes after the seq asked
// for and the newest seq of the feed.
type Changes struct {
	Changes  []Change `json:"changes"`
	Position int64    `json:"position"`
}

// Change is one entry of the change feed.
type Change struct {
	Seq    int64     `json:"seq"`
	Tenant string    `json:"tenant"`
	Entity string    `json:"entity"`
	ID     string    `json:"id"`
	At     time.Time `json:"at"`
}

// FromChanges converts changes and the feed's position to their wire form.
func FromChanges(xs []domain.Change, position int64) Changes {
	out := Changes{Changes: []Change{}, Position: position}
	for _, c := range xs {
		out.Changes = append(out.Changes, Change(c))
	}
	return out
}

// Domain converts the wire form back to changes.
func (w Changes) Domain() []domain.Change {
	out := make([]domain.Change, 0, len(w.Changes))
	for _, c := range w.Changes {
		out = append(out, domain.Change(c))
	}
	return out
}
