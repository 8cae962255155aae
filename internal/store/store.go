// Package store defines the persistence contract of Tollgate. Every method
// that touches tenant data takes the tenant explicitly, so forgetting it is a
// compile error. Implementations return domain.ErrNotFound and
// domain.ErrConflict; the conformance suite in storetest pins the behaviour.
package store

import (
	"context"
	"time"

	"github.com/tollgate-dev/tollgate/internal/domain"
)

// Store is everything Tollgate persists.
type Store interface {
	// Atomic runs fn so that every call made under the context fn gets
	// joins one transaction: its writes all commit when fn returns nil,
	// none otherwise; its reads see them.
	Atomic(ctx context.Context, fn func(ctx context.Context) error) error

	// Tenants. CreateTenant also creates the built-in admin scope and role
	// in the same transaction. UpdateTenant writes Name, APITokenMaxTTL,
	// SessionIdleTimeout and SessionMaxAge.
	// DeleteTenant removes all the tenant's data.
	//
	// Every UpdateX is a compare-and-swap: in one transaction it reads the
	// record (locked against concurrent writers), passes it to fn and
	// writes what fn left, so two concurrent updates never undo each
	// other. An error from fn writes nothing and is returned as is. fn may
	// run more than once (retried transactions) and must only change the
	// record; the id and CreatedAt are kept whatever fn does, and the store
	// sets UpdatedAt (one clock). UpdateX returns the stored record.
	CreateTenant(ctx context.Context, t *domain.Tenant) error
	GetTenant(ctx context.Context, id string) (*domain.Tenant, error)
	ListTenants(ctx context.Context, p domain.Page) ([]domain.Tenant, error)
	UpdateTenant(ctx context.Context, id string, fn func(*domain.Tenant) error) (*domain.Tenant, error)
	DeleteTenant(ctx context.Context, id string) error

	// References. A user's roles, a role's scopes, an application's
	// scopes and default scopes and an API resource's scopes must name
	// roles and scopes of the tenant: every write that names an unknown
	// one fails with an InvalidError on that attribute ("roles",
	// "scopes", "defaultScopes", "resources"), decided in the writing
	// transaction, so a concurrent delete cannot leave a dangling name.
	// DeleteRole and DeleteScope of a name still in use give a
	// *domain.InUseError (wrapping ErrConflict) with the counts, unless
	// force: then, in the same transaction, the name is removed from the
	// users, roles, applications and identity providers that hold it
	// (their updatedAt set; each provider appends its change). An
	// identity provider's DefaultRoles count as uses of the roles.
	// Force never removes a scope from an API, whose resource would then
	// require less: an API naming the scope still gives InUseError.

	// Users.
	CreateUser(ctx context.Context, tenant string, u *domain.User) error
	GetUser(ctx context.Context, tenant, id string) (*domain.User, error)
	// GetUserWithScopes returns a user and the union of the scopes their
	// roles grant (sorted) in one read.
	GetUserWithScopes(ctx context.Context, tenant, id string) (*domain.User, []string, error)
	ListUsers(ctx context.Context, tenant string, p domain.Page) ([]domain.User, error)
	UpdateUser(ctx context.Context, tenant, id string, fn func(*domain.User) error) (*domain.User, error)
	DeleteUser(ctx context.Context, tenant, id string) error
	// SetPasswordHash replaces a user's hash only if it still equals old:
	// a compare-and-swap, so a rehash on login never overwrites a password
	// change made meanwhile. Returns ErrConflict when old did not match.
	SetPasswordHash(ctx context.Context, tenant, userID, old, new string) error
	// UpsertUsers writes a batch of imported users in one transaction:
	// merge gets the stored user with ids[i] (nil when none) and returns
	// the user to store, or nil to leave it unchanged. merge may run more
	// than once (retried transactions) and must not have side effects. A
	// failure writes nothing of the batch.
	UpsertUsers(ctx context.Context, tenant string, ids []string,
		merge func(i int, stored *domain.User) *domain.User) ([]domain.UpsertOutcome, error)

	// Embed-secret authentication. GetEmbedSettings gives ErrNotFound for
	// a tenant that never had settings; PutEmbedSettings creates or
	// replaces them, keeping the stored secret when SealedSecret is nil.
	// RedeemOnce records a single-use value (a signed embed request's
	// nonce, a client assertion's id under a key of its own) as used
	// until expiresAt, atomically across nodes: ErrConflict when it is
	// recorded and not yet expired at now. DeleteExpired purges expired
	// ones.
	GetEmbedSettings(ctx context.Context, tenant string) (*domain.EmbedSettings, error)
	PutEmbedSettings(ctx context.Context, tenant string, e *domain.EmbedSettings) error
	RedeemOnce(ctx context.Context, tenant, nonce string, expiresAt, now time.Time) error

	// Roles.
	CreateRole(ctx context.Context, tenant string, r *domain.Role) error
	GetRole(ctx context.Context, tenant, id string) (*domain.Role, error)
	ListRoles(ctx context.Context, tenant string, p domain.Page) ([]domain.Role, error)
	UpdateRole(ctx context.Context, tenant, id string, fn func(*domain.Role) error) (*domain.Role, error)
	DeleteRole(ctx context.Context, tenant, id string, force bool) error
	// RoleScopes returns the union of the scopes of the named roles; unknown
	// role names contribute nothing.
	RoleScopes(ctx context.Context, tenant string, roles []string) ([]string, error)

	// Scopes.
	CreateScope(ctx context.Context, tenant string, s *domain.Scope) error
	GetScope(ctx context.Context, tenant, id string) (*domain.Scope, error)
	ListScopes(ctx context.Context, tenant string, p domain.Page) ([]domain.Scope, error)
	UpdateScope(ctx context.Context, tenant, id string, fn func(*domain.Scope) error) (*domain.Scope, error)
	// DeleteScope returns the client ids of the applications a forced
	// delete changed, for caches of clients.
	DeleteScope(ctx context.Context, tenant, id string, force bool) (changedApps []string, err error)

	// Applications (OAuth clients). Client ids are unique across tenants:
	// CreateApplication gives ErrConflict for an id any tenant has.
	// GetApplicationByClientID finds a client in whichever tenant holds it
	// (Tenant set), for the default tenant's paths, where the tenant
	// follows the client.
	CreateApplication(ctx context.Context, tenant string, a *domain.Application) error
	GetApplication(ctx context.Context, tenant, id string) (*domain.Application, error)
	GetApplicationByClientID(ctx context.Context, id string) (*domain.Application, error)
	ListApplications(ctx context.Context, tenant string, p domain.Page) ([]domain.Application, error)
	// ListApplicationsOwnedBy returns a page of the applications that
	// user owner registered, ordered by ID.
	ListApplicationsOwnedBy(ctx context.Context, tenant, owner string, p domain.Page) ([]domain.Application, error)
	// UpdateApplication writes every attribute but the secret, which only
	// SetApplicationSecret changes: a PATCH can never restore an old one.
	UpdateApplication(ctx context.Context, tenant, id string, fn func(*domain.Application) error) (*domain.Application, error)
	// SetApplicationSecret replaces the secret's hash in one statement and
	// returns the application as stored.
	SetApplicationSecret(ctx context.Context, tenant, id string, hash []byte) (*domain.Application, error)
	DeleteApplication(ctx context.Context, tenant, id string) error

	// APIs published through the gateway. Create and Update give
	// ErrConflict, naming the context taken, when the context clashes
	// with another API's (domain.ContextsClash), checked in the writing
	// transaction.
	// AllAPIs lists every tenant's APIs, for the gateway's route table.
	CreateAPI(ctx context.Context, tenant string, a *domain.API) error
	GetAPI(ctx context.Context, tenant, id string) (*domain.API, error)
	ListAPIs(ctx context.Context, tenant string, p domain.Page) ([]domain.API, error)
	UpdateAPI(ctx context.Context, tenant, id string, fn func(*domain.API) error) (*domain.API, error)
	DeleteAPI(ctx context.Context, tenant, id string) error
	AllAPIs(ctx context.Context) ([]domain.API, error)

	// Refresh tokens.
	CreateRefreshToken(ctx context.Context, tenant string, rt *domain.RefreshToken) error
	// RotateRefreshToken atomically consumes the token whose hash is oldHash
	// and stores next in its place, returning the consumed record and the
	// standing of its user (existence, disabled, role scopes). The
	// store copies FamilyID, ClientID, Subject, Scopes and Audience from
	// the consumed record into next; the caller sets Hash, ExpiresAt,
	// CreatedAt and JKT (the DPoP key of the successor, which need not
	// be the consumed token's: the caller checks that). A token that is unknown, expired or revoked gives ErrNotFound.
	// A token that was already rotated gives ErrTokenReused, after the whole
	// family was revoked and a family revocation recorded in the same
	// transaction.
	//
	// Rotation grace: when next.Sealed is set (the token sealed by the
	// caller), the store keeps it until next.SealedUntil. Presenting the
	// consumed token again before then, while next is neither rotated nor
	// revoked, stores nothing and revokes nothing: the Rotation's Successor
	// is next with its sealed copy, for the caller to hand out again. A
	// token's sealed copy is erased when it is rotated, when its family is
	// revoked, and by DeleteExpired once SealedUntil has passed.
	RotateRefreshToken(ctx context.Context, tenant string, oldHash []byte, next *domain.RefreshToken, now time.Time) (*domain.Rotation, error)
	// GetRefreshToken returns a live (not rotated, not revoked, not
	// expired) refresh token by hash, or ErrNotFound.
	GetRefreshToken(ctx context.Context, tenant string, hash []byte, now time.Time) (*domain.RefreshToken, error)
	// FindRefreshToken returns a token's record whatever its state
	// (rotated or revoked), unless it has expired; ErrNotFound otherwise.
	// Revocation uses it: revoking a rotated token still ends its session.
	FindRefreshToken(ctx context.Context, tenant string, hash []byte, now time.Time) (*domain.RefreshToken, error)
	// RevokeRefreshFamily revokes every token of the family and records a
	// family revocation (so its access tokens fail too) in one transaction.
	RevokeRefreshFamily(ctx context.Context, tenant, familyID string, until time.Time) error

	// API tokens, a user's personal bearer tokens. CreateAPIToken gives
	// ErrNotFound for an unknown user and ErrConflict for an id the user
	// already has.
	CreateAPIToken(ctx context.Context, tenant string, t *domain.APIToken) error
	GetAPIToken(ctx context.Context, tenant, userID, id string) (*domain.APIToken, error)
	// GetAPITokenByHash finds a token, expired or not, by the hash of its
	// string; authentication uses it.
	GetAPITokenByHash(ctx context.Context, tenant string, hash []byte) (*domain.APIToken, error)
	ListAPITokens(ctx context.Context, tenant, userID string, p domain.Page) ([]domain.APIToken, error)
	// DeleteAPIToken deletes a token and, in the same transaction, records
	// a RevokeAPIToken revocation of its hash (hex) until revokeUntil, so
	// nodes that cached the token drop it. It returns that revocation.
	DeleteAPIToken(ctx context.Context, tenant, userID, id string, revokeUntil time.Time) (*domain.Revocation, error)
	// RecordAPITokenUses sets each token's last-used time to the latest of
	// the stored one and the use's, in one transaction; uses of tokens
	// deleted meanwhile are ignored.
	RecordAPITokenUses(ctx context.Context, uses []domain.APITokenUse) error

	// Failed sign-in counters (package throttle), shared by all nodes.
	// LoginFailures returns the counters among keys that are live at now,
	// in no particular order; absent ones have no failures. AddLoginFailure
	// counts one failure on each key at now, atomically per key (a counter
	// past its expiry starts again at 1), sets it to expire at now+window,
	// and returns the counters as they are after it. ClearLoginFailures
	// forgets a username's counters at every address.
	LoginFailures(ctx context.Context, keys []domain.ThrottleKey, now time.Time) ([]domain.LoginFailures, error)
	AddLoginFailure(ctx context.Context, keys []domain.ThrottleKey, now time.Time, window time.Duration) ([]domain.LoginFailures, error)
	ClearLoginFailures(ctx context.Context, tenant, username string) error

	// Gateway credentials, with which remote gateways read the gateway
	// feed; they span tenants. CreateGatewayCredential gives ErrConflict
	// for an id in use. DeleteGatewayCredential deletes one and, in the
	// same transaction, records a RevokeGatewayCredential revocation of its
	// hash (hex, in the default tenant) until revokeUntil, and returns it.
	CreateGatewayCredential(ctx context.Context, c *domain.GatewayCredential) error
	GetGatewayCredential(ctx context.Context, id string) (*domain.GatewayCredential, error)
	GetGatewayCredentialByHash(ctx context.Context, hash []byte) (*domain.GatewayCredential, error)
	ListGatewayCredentials(ctx context.Context, p domain.Page) ([]domain.GatewayCredential, error)
	DeleteGatewayCredential(ctx context.Context, id string, revokeUntil time.Time) (*domain.Revocation, error)

	// Revocations of access tokens and families.
	AddRevocation(ctx context.Context, r *domain.Revocation) error
	// RevocationsSince returns revocations with Seq > after, across all
	// tenants, in Seq order, at most limit; nodes follow them with it.
	RevocationsSince(ctx context.Context, after int64, limit int) ([]domain.Revocation, error)

	// The change feed. Every write of a tenant, user (not a login's
	// rehash), role, scope, application, API, embed settings, signing
	// key, gateway credential or setting appends a domain.Change in its
	// transaction; an import batch appends one change for all its users.
	// Seq order is commit order, so a follower that read up to n never
	// misses a later-committed change below n. ChangesSince returns the
	// changes with Seq > after in Seq order, at most limit; FeedPosition
	// the newest Seq (0: none). DeleteExpired drops changes older than
	// domain.ChangeRetention.
	ChangesSince(ctx context.Context, after int64, limit int) ([]domain.Change, error)
	FeedPosition(ctx context.Context) (int64, error)
	// Listen calls woke whenever a change or revocation was committed, on
	// any node, until ctx ends, and after each (re)connection; a lost
	// connection goes to lost and is made again. A single-node store only
	// waits for ctx: its writers are on this node.
	Listen(ctx context.Context, woke func(), lost func(error))

	// Browser sessions (DESIGN §2 "Browser sign-in"). Every node reads
	// them from here, so a session ended on one node is ended everywhere.
	// GetSession finds a session by the hash of its cookie value, or
	// ErrNotFound (also once it expired at now, idle or absolute: idle
	// is the tenant's idle timeout). TouchSession sets LastSeenAt to at.
	// ListSessions returns a user's live sessions, newest first.
	// DeleteSession ends one by its public id (userID "" for a bootstrap
	// session, which has no user: Session.Bootstrap), DeleteUserSessions
	// all of a user's and returns how many. DeleteExpired purges expired sessions.
	CreateSession(ctx context.Context, tenant string, s *domain.Session) error
	GetSession(ctx context.Context, tenant string, hash []byte, idle time.Duration, now time.Time) (*domain.Session, error)
	TouchSession(ctx context.Context, tenant, id string, at time.Time) error
	ListSessions(ctx context.Context, tenant, userID string, now time.Time) ([]domain.Session, error)
	DeleteSession(ctx context.Context, tenant, userID, id string) error
	DeleteUserSessions(ctx context.Context, tenant, userID string) (int64, error)

	// Authorization codes. RedeemAuthCode consumes the code with hash,
	// atomically, and records familyID as the family of the tokens about
	// to be issued from it: it returns the code as stored, ErrNotFound
	// for an unknown or expired one, and for one already redeemed the
	// stored code (FamilyID the first redemption's) with ErrTokenReused.
	// When next is not nil it is the family's first refresh token, stored
	// in the same transaction (one write instead of two): the store sets
	// its FamilyID, ClientID, Subject and Scopes from the code, and its
	// Audience to the code's Resources, or the client id when there are
	// none; the caller sets Hash, ExpiresAt and CreatedAt. A refused
	// redemption stores nothing. Redeemed codes are kept until they
	// expire, then purged by DeleteExpired.
	CreateAuthCode(ctx context.Context, tenant string, c *domain.AuthCode) error
	RedeemAuthCode(ctx context.Context, tenant string, hash []byte, familyID string, next *domain.RefreshToken, now time.Time) (*domain.AuthCode, error)

	// Consents to third-party clients. PutConsent creates or replaces the
	// (user, client) consent. DeleteConsent gives ErrNotFound when there
	// is none. Deleting the user or the application deletes its consents.
	GetConsent(ctx context.Context, tenant, userID, clientID string) (*domain.Consent, error)
	PutConsent(ctx context.Context, tenant string, c *domain.Consent) error
	ListConsents(ctx context.Context, tenant, userID string) ([]domain.Consent, error)
	DeleteConsent(ctx context.Context, tenant, userID, clientID string) error

	// External identity providers, written like the other entities (the
	// change feed included). UpdateIdentityProvider keeps the stored
	// secret when fn leaves SealedSecret nil. DefaultRoles must name
	// roles of the tenant ("defaultRoles").
	CreateIdentityProvider(ctx context.Context, tenant string, p *domain.IdentityProvider) error
	GetIdentityProvider(ctx context.Context, tenant, id string) (*domain.IdentityProvider, error)
	ListIdentityProviders(ctx context.Context, tenant string, p domain.Page) ([]domain.IdentityProvider, error)
	UpdateIdentityProvider(ctx context.Context, tenant, id string, fn func(*domain.IdentityProvider) error) (*domain.IdentityProvider, error)
	DeleteIdentityProvider(ctx context.Context, tenant, id string) error

	// Broker providers (issue 16), written like the other entities (the
	// change feed included). Create and Update with Default set clear
	// Default on the tenant's other providers in the same transaction.
	// UpdateBrokerProvider keeps a stored sealed secret when fn leaves it
	// nil and drops the provider's cached token. Deleting a provider
	// deletes its token. GetDefaultBrokerProvider gives ErrNotFound when
	// the tenant has no default.
	CreateBrokerProvider(ctx context.Context, tenant string, p *domain.BrokerProvider) error
	GetBrokerProvider(ctx context.Context, tenant, id string) (*domain.BrokerProvider, error)
	GetDefaultBrokerProvider(ctx context.Context, tenant string) (*domain.BrokerProvider, error)
	ListBrokerProviders(ctx context.Context, tenant string, p domain.Page) ([]domain.BrokerProvider, error)
	UpdateBrokerProvider(ctx context.Context, tenant, id string, fn func(*domain.BrokerProvider) error) (*domain.BrokerProvider, error)
	DeleteBrokerProvider(ctx context.Context, tenant, id string) error

	// Broker tokens: the upstream token last obtained per provider, shared
	// by the nodes. GetBrokerToken gives ErrNotFound when there is none.
	// ClaimBrokerRefresh takes the provider's refresh lease until until,
	// if no other node holds an unexpired one (now decides), so one node
	// calls the upstream while the others wait for its token;
	// PutBrokerToken stores a token and releases the lease.
	GetBrokerToken(ctx context.Context, tenant, provider string) (*domain.BrokerToken, error)
	ClaimBrokerRefresh(ctx context.Context, tenant, provider string, until, now time.Time) (bool, error)
	PutBrokerToken(ctx context.Context, t *domain.BrokerToken) error

	// Federated identities. FederatedUser returns the user linked to
	// (provider, subject), or ErrNotFound. LinkIdentity links an existing
	// user (ErrNotFound for an unknown one, ErrConflict when the pair is
	// linked or the user is linked to another subject of the provider). CreateFederatedUser creates u and links it in one
	// transaction (ErrConflict when either exists). Deleting a user or a
	// provider deletes its links.
	FederatedUser(ctx context.Context, tenant, provider, subject string) (*domain.User, error)
	LinkIdentity(ctx context.Context, tenant string, f *domain.FederatedIdentity) error
	CreateFederatedUser(ctx context.Context, tenant string, u *domain.User, f *domain.FederatedIdentity) error

	// Signing keys. Each has a use (domain.KeyUseTokens or
	// domain.KeyUseIDToken); a tenant's keys of one use rotate
	// independently of the other's.
	CreateSigningKey(ctx context.Context, tenant string, k *domain.SigningKey) error
	// RotateSigningKey stores next as the tenant's active key of next.Use
	// and retires every other active key of that use with the given
	// publishUntil, atomically; active keys of the other use stay active.
	RotateSigningKey(ctx context.Context, tenant string, next *domain.SigningKey, publishUntil time.Time) error
	// ScheduleSigningKey is RotateSigningKey for a key that starts
	// signing at its CreatedAt, stored only if no key of its use was
	// created after dueBefore (ErrConflict otherwise). DueSigningKeys
	// lists the tenants' key uses whose newest key was created at or
	// before createdBefore.
	ScheduleSigningKey(ctx context.Context, tenant string, next *domain.SigningKey, publishUntil, dueBefore time.Time) error
	DueSigningKeys(ctx context.Context, createdBefore time.Time) ([]domain.KeyUseRef, error)
	// ListSigningKeys returns the tenant's active key(s) of every use and
	// the retired keys still to be published at now, newest first.
	ListSigningKeys(ctx context.Context, tenant string, now time.Time) ([]domain.SigningKey, error)

	// Settings is a small key/value table for server-wide state such as the
	// bootstrap token's hash. Missing keys give ErrNotFound.
	GetSetting(ctx context.Context, key string) (string, error)
	PutSetting(ctx context.Context, key, value string) error

	// Audit events and the statistics kept from them. AppendAudit stores
	// a batch in one transaction and, in it, adds issued tokens and
	// refusals to the hourly counters and first-time users to the
	// application users.
	// Events marked Stored are only counted.
	AppendAudit(ctx context.Context, events []domain.AuditEvent) error
	// InsertAuditEvents stores events at once, in one statement, without
	// the statistics (for events a crash must not lose; AppendAudit
	// counts them later). At most MaxInsertAuditEvents at a time.
	InsertAuditEvents(ctx context.Context, events []domain.AuditEvent) error
	// ListAudit returns a tenant's events matching f, newest first.
	ListAudit(ctx context.Context, tenant string, f domain.AuditFilter) ([]domain.AuditEvent, error)
	// TokenCounts returns issued tokens in [since, until) per bucket of
	// bucket (time.Hour or 24*time.Hour, UTC), grant and application,
	// in bucket order.
	TokenCounts(ctx context.Context, tenant string, since, until time.Time, bucket time.Duration) ([]domain.TokenCount, error)
	// ApplicationUsers pages (by user id) through the distinct users who
	// obtained tokens through an application with a user grant, and
	// returns their total.
	ApplicationUsers(ctx context.Context, tenant, clientID string, p domain.Page) ([]domain.AppUser, int64, error)
	// RefusalCounts returns refused requests in [since, until) (whole
	// UTC hours) per action and reason, the most frequent first.
	RefusalCounts(ctx context.Context, tenant string, since, until time.Time) ([]domain.RefusalCount, error)
	// ApplicationUserCounts pages (by client id) through the applications
	// that have users, with the number of distinct users of each.
	ApplicationUserCounts(ctx context.Context, tenant string, p domain.Page) ([]domain.AppUserCount, error)
	// CountEntities counts the tenant's users, applications and APIs.
	CountEntities(ctx context.Context, tenant string) (domain.TenantCounts, error)
	// APITokenUsage summarises the tenant's API tokens at now, with the
	// number last used at or after each of since.
	APITokenUsage(ctx context.Context, tenant string, now time.Time, since ...time.Time) (domain.APITokenUsage, error)
	// DeleteAuditBefore purges audit events older than before (retention);
	// the statistics counters are kept.
	DeleteAuditBefore(ctx context.Context, before time.Time) (int64, error)

	// DeleteExpired purges expired refresh tokens, revocations, embed
	// nonces, sign-in failure counters, unpublished keys, sessions (past
	// their absolute expiry or idle past their tenant's timeout) and
	// authorization codes (redeemed or not), and API tokens
	// expired for longer than domain.APITokenPurgeGrace, and erases sealed
	// refresh tokens whose grace ended; it returns the number of rows
	// removed or erased. It also drops changes older than
	// domain.ChangeRetention before now, which it does not count.
	DeleteExpired(ctx context.Context, now time.Time) (int64, error)

	// Ping checks the database is reachable (for /readyz).
	Ping(ctx context.Context) error
	Close() error
}

// MaxInsertAuditEvents bounds one InsertAuditEvents call.
const MaxInsertAuditEvents = 64
