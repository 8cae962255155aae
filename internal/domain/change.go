package domain

import "time"

// Change is one entry of the change feed: a write to an entity that nodes
// and remote gateways may have cached. The store appends it in the
// writing transaction; followers read the feed in Seq order and drop what
// they cached of the entity, so a change made on one node is in effect on
// every node within a second.
type Change struct {
	Seq    int64
	Tenant string // "" for server-wide entities (gateway credentials, settings)
	Entity string // one of the Entity constants
	// ID is the changed entity's id (an application's client id, a
	// setting's key); "" stands for every entity of its kind in the tenant.
	ID string
	At time.Time
}

// Entities of the change feed.
const (
	EntityTenant            = "tenant"
	EntityApplication       = "application"
	EntityUser              = "user"
	EntityRole              = "role"
	EntityScope             = "scope"
	EntityAPI               = "api"
	EntityEmbed             = "embed"
	EntitySigningKey        = "signing_key"
	EntityGatewayCredential = "gateway_credential"
	EntitySetting           = "setting"
	EntityIdentityProvider  = "identity_provider"
)

// ChangeAll is the change a follower applies when it cannot know what it
// missed (it fell behind the feed's retention): anything may have changed.
var ChangeAll = Change{}

// Everything reports whether c is ChangeAll.
func (c Change) Everything() bool { return c.Entity == "" }

// TouchesUsers reports whether c may change who a user is or what they
// may do: their record, their roles' scopes, their tenant. Caches of
// resolved API tokens drop everything on such a change.
func (c Change) TouchesUsers() bool {
	switch c.Entity {
	case EntityUser, EntityRole, EntityScope, EntityTenant, "":
		return true
	}
	return false
}

// ChangeRetention is how long the feed keeps a change. A follower away for
// longer starts again from ChangeAll.
const ChangeRetention = time.Hour
